/*
 * x87 oracle: executes one x87 instruction natively per input line and prints the
 * resulting FPU state, so the TypeScript model can be compared bit for bit.
 *
 * Build: cc -m32 -O0 -o x87-oracle x87-oracle.c
 *
 * Input, one case per line (all hex, no 0x):
 *   <insn> <state> <mem> <eflags>
 *     insn   instruction bytes (prefixes allowed); memory forms must address [eax]
 *            (mod=00 r/m=000), eax holds the 16-byte aligned memory buffer
 *     state  108-byte 32-bit protected-mode FSAVE image loaded with FRSTOR
 *     mem    initial bytes of the memory buffer ("-" for none), at most 1024
 *     eflags EFLAGS loaded with POPF before the instruction (arithmetic flags only)
 * Output, one line per case:
 *   ok <state> <mem> <eflags> <eax>   state = FNSAVE image right after the instruction
 *   fault <vector>                    16 (#MF, SIGFPE) or 6 (#UD, SIGILL)
 * A line "info <code address> <memory address> <CPUID.(7,0).EBX>" is printed first so the
 * caller can reproduce FIP/FDP and knows the FDP_EXCPTN_ONLY (bit 6) and FCS/FDS deprecation
 * (bit 13) behaviour of this processor.
 *
 * Only no-wait instructions (FNSAVE) and integer code run between the instruction and
 * the state dump, so an unmasked exception the instruction raises stays pending in the
 * saved status word instead of faulting here (SDM vol. 1 §8.6).
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define MEM_MAX 1024

static sigjmp_buf fault_jmp;
static volatile int fault_vector;

static void on_signal(int sig) {
  fault_vector = sig == SIGFPE ? 16 : 6;
  siglongjmp(fault_jmp, 1);
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Parses a hex token into out; returns the byte count or -1. "-" is empty. */
static int parse_hex(const char *tok, uint8_t *out, int max) {
  if (strcmp(tok, "-") == 0) return 0;
  size_t n = strlen(tok);
  if (n % 2 != 0 || (int)(n / 2) > max) return -1;
  for (size_t i = 0; i < n / 2; i++) {
    int h = hexval(tok[2 * i]), l = hexval(tok[2 * i + 1]);
    if (h < 0 || l < 0) return -1;
    out[i] = (uint8_t)(h << 4 | l);
  }
  return (int)(n / 2);
}

static void print_hex(const uint8_t *p, int n) {
  if (n == 0) {
    fputc('-', stdout);
    return;
  }
  for (int i = 0; i < n; i++) printf("%02x", p[i]);
}

int main(void) {
  uint8_t *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (code == MAP_FAILED) {
    perror("mmap");
    return 2;
  }
  static uint8_t mem[MEM_MAX] __attribute__((aligned(64)));
  static uint8_t state_in[108], state_out[108];
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_NODEFER;
  sigaction(SIGFPE, &sa, NULL);
  sigaction(SIGILL, &sa, NULL);

  unsigned int a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid_max(0, NULL) >= 7) __cpuid_count(7, 0, a, b, c, d);
  printf("info %08lx %08lx %08x\n", (unsigned long)(uintptr_t)code, (unsigned long)(uintptr_t)mem, b);
  static char line[8192];
  char tok_insn[64], tok_state[512], tok_mem[2 * MEM_MAX + 2], tok_fl[32];
  while (fgets(line, sizeof line, stdin)) {
    if (sscanf(line, "%63s %511s %2049s %31s", tok_insn, tok_state, tok_mem, tok_fl) != 4) {
      printf("error bad-line\n");
      continue;
    }
    uint8_t insn[32];
    int insn_len = parse_hex(tok_insn, insn, 30);
    int mem_len = parse_hex(tok_mem, mem, MEM_MAX);
    if (insn_len <= 0 || parse_hex(tok_state, state_in, 108) != 108 || mem_len < 0) {
      printf("error bad-hex\n");
      continue;
    }
    uint32_t flags_in = (uint32_t)strtoul(tok_fl, NULL, 16);
    memcpy(code, insn, (size_t)insn_len);
    code[insn_len] = 0xC3; /* ret */
    uint32_t flags_out = 0, eax = (uint32_t)(uintptr_t)mem;
    fault_vector = 0;
    if (sigsetjmp(fault_jmp, 1) == 0) {
      __asm__ volatile(
          "frstor (%[in])\n\t"
          "pushl %[fl]\n\t"
          "popfl\n\t"
          "call *%[code]\n\t"
          "pushfl\n\t"
          "popl %[fl]\n\t"
          "fnsave (%[out])\n\t"
          : [fl] "+c"(flags_in), "+a"(eax)
          : [in] "S"(state_in), [out] "D"(state_out), [code] "d"(code)
          : "memory", "cc");
      flags_out = flags_in;
      printf("ok ");
      print_hex(state_out, 108);
      fputc(' ', stdout);
      print_hex(mem, mem_len);
      printf(" %08x %08x\n", flags_out, eax);
    } else {
      __asm__ volatile("fninit");
      printf("fault %d\n", fault_vector);
    }
  }
  return 0;
}
