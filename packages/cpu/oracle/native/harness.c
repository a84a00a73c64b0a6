/*
 * Native user-level oracle: runs x86 instruction sequences on the host CPU in 32-bit user mode
 * (built with `cc -m32`) and prints the resulting registers, EFLAGS, memory window changes and
 * any exception, so the CPU model can be compared against real silicon.
 *
 * Address space seen by a case (identical for every runner, see native.ts):
 *   CODE_BASE + CASE_ENTRY  the case's instructions (RWX page, but cases do not modify code)
 *   MEM_BASE .. +MEM_SIZE   the data window, zero-filled then patched by the case's M lines
 *   everything else         the harness's own pages: cases keep their memory operands in the window
 * CS/DS/ES/SS are Linux's flat user segments (base 0); FS/GS are not used.
 *
 * Protocol (stdin, hex numbers without 0x):
 *   C <trace>                  start a case; trace 1 = report the state after every instruction
 *   I <hex bytes>              one instruction (up to MAX_INSNS per case)
 *   R eax ecx edx ebx esp ebp esi edi eflags
 *   M <offset> <hex bytes>     patch the window
 *   E                          execute and report
 * Output per case:
 *   S <step> eax ecx edx ebx esp ebp esi edi eflags   state after instruction <step> (1-based)
 *   W <offset> <hex bytes>                            window bytes that differ from the initial image
 *   F <vector> <error code> <insn index> <offset>     exception (Linux trap number, error code,
 *                                                     0-based faulting instruction, its offset in
 *                                                     the contiguous case code); then an S line with
 *                                                     step = insn index, the state at the fault
 *   T                                                 the case did not come back within
 *                                                     WATCHDOG_SECONDS (it left its code or
 *                                                     looped); no state follows
 *   D                                                 end of case
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define CODE_BASE 0x30000000u
#define CODE_SIZE 0x40000u
#define CASE_ENTRY 0x1000u /* case code starts here, after the prologue */
#define MEM_BASE 0x10000000u
#define MEM_SIZE 0x1000u
#define MAX_INSNS 64
#define MAX_INSN_LEN 15
#define WATCHDOG_SECONDS 2 /* generated cases take microseconds; this only catches runaway code */

/* Only these EFLAGS bits may be loaded: CF PF AF ZF SF DF OF (TF/AC would trap, IF/IOPL are ignored at CPL 3). */
#define LOADABLE_FLAGS 0x0CD5u

enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI, R_EFL, NREGS };

struct state { uint32_t r[NREGS]; };

static uint8_t insn[MAX_INSNS][MAX_INSN_LEN];
static int insn_len[MAX_INSNS];
static int n_insns;
static int trace;
static struct state init;
static uint8_t init_mem[MEM_SIZE];

static struct state step_state[MAX_INSNS];
static uint8_t step_mem[MAX_INSNS][MEM_SIZE];
static uint32_t insn_addr[MAX_INSNS]; /* where each instruction was placed */
static uint32_t host_esp;
static uint32_t scratch_stack[256];

static uint8_t *code;
static uint8_t *mem;

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t faulted;
static volatile sig_atomic_t timed_out;
static struct { uint32_t trapno, err, eip; struct state st; } fault;
static uint8_t altstack[65536];

static uint8_t *emit_at;
static void b(uint8_t v) { *emit_at++ = v; }
static void d(uint32_t v) { memcpy(emit_at, &v, 4); emit_at += 4; }
static uint32_t addr_of(const void *p) { return (uint32_t)(uintptr_t)p; }

/* mov [abs], reg  (ModRM 00 reg 101 = disp32) */
static void store_reg(int reg, uint32_t abs) {
  if (reg == R_EAX) { b(0xA3); d(abs); return; }
  b(0x89); b((uint8_t)(0x05 | (reg << 3))); d(abs);
}
/* mov reg, [abs] */
static void load_reg(int reg, uint32_t abs) {
  if (reg == R_EAX) { b(0xA1); d(abs); return; }
  b(0x8B); b((uint8_t)(0x05 | (reg << 3))); d(abs);
}

/* Save all registers and flags of the case into step_state[i] and the window into step_mem[i],
 * then restore them exactly (flags through POPFD on the harness's scratch stack). */
static void emit_dump(int i) {
  struct state *s = &step_state[i];
  store_reg(R_ESP, addr_of(&s->r[R_ESP]));
  b(0xBC); d(addr_of(&scratch_stack[256]));      /* mov esp, scratch top */
  b(0x9C);                                        /* pushfd */
  b(0x8F); b(0x05); d(addr_of(&s->r[R_EFL]));     /* pop dword [eflags] */
  for (int r = R_EAX; r <= R_EDI; r++) if (r != R_ESP) store_reg(r, addr_of(&s->r[r]));
  b(0xFC);                                        /* cld */
  b(0xBE); d(MEM_BASE);                           /* mov esi, window */
  b(0xBF); d(addr_of(step_mem[i]));               /* mov edi, copy */
  b(0xB9); d(MEM_SIZE / 4);                       /* mov ecx, dwords */
  b(0xF3); b(0xA5);                               /* rep movsd */
  load_reg(R_ECX, addr_of(&s->r[R_ECX]));
  load_reg(R_ESI, addr_of(&s->r[R_ESI]));
  load_reg(R_EDI, addr_of(&s->r[R_EDI]));
  b(0xFF); b(0x35); d(addr_of(&s->r[R_EFL]));     /* push dword [eflags] */
  b(0x9D);                                        /* popfd */
  load_reg(R_ESP, addr_of(&s->r[R_ESP]));
}

static void build(void) {
  emit_at = code;
  b(0x60);                                        /* pushad */
  b(0x9C);                                        /* pushfd */
  store_reg(R_ESP, addr_of(&host_esp));
  b(0xBC); d(addr_of(&scratch_stack[256]));
  b(0x68); d((init.r[R_EFL] & LOADABLE_FLAGS) | 0x202u); /* push flags (IF is fixed at CPL 3) */
  b(0x9D);                                        /* popfd */
  for (int r = R_EAX; r <= R_EDI; r++) if (r != R_ESP) { b((uint8_t)(0xB8 + r)); d(init.r[r]); }
  b(0xBC); d(init.r[R_ESP]);                      /* mov esp, case esp */
  b(0xE9); d(CODE_BASE + CASE_ENTRY - (addr_of(emit_at) + 4)); /* jmp case entry */
  emit_at = code + CASE_ENTRY;
  for (int i = 0; i < n_insns; i++) {
    insn_addr[i] = addr_of(emit_at);
    memcpy(emit_at, insn[i], (size_t)insn_len[i]);
    emit_at += insn_len[i];
    if (trace || i == n_insns - 1) emit_dump(i);
  }
  if (n_insns == 0) emit_dump(0);
  load_reg(R_ESP, addr_of(&host_esp));
  b(0x9D);                                        /* popfd */
  b(0x61);                                        /* popad */
  b(0xC3);                                        /* ret */
}

static void on_fault(int sig, siginfo_t *si, void *ctx) {
  (void)sig; (void)si;
  ucontext_t *uc = ctx;
  greg_t *g = uc->uc_mcontext.gregs;
  fault.trapno = (uint32_t)g[REG_TRAPNO];
  fault.err = (uint32_t)g[REG_ERR];
  fault.eip = (uint32_t)g[REG_EIP];
  fault.st.r[R_EAX] = (uint32_t)g[REG_EAX];
  fault.st.r[R_ECX] = (uint32_t)g[REG_ECX];
  fault.st.r[R_EDX] = (uint32_t)g[REG_EDX];
  fault.st.r[R_EBX] = (uint32_t)g[REG_EBX];
  fault.st.r[R_ESP] = (uint32_t)g[REG_UESP];
  fault.st.r[R_EBP] = (uint32_t)g[REG_EBP];
  fault.st.r[R_ESI] = (uint32_t)g[REG_ESI];
  fault.st.r[R_EDI] = (uint32_t)g[REG_EDI];
  fault.st.r[R_EFL] = (uint32_t)g[REG_EFL];
  faulted = 1;
  siglongjmp(fault_jmp, 1);
}

static void on_alarm(int sig) {
  (void)sig;
  timed_out = 1;
  siglongjmp(fault_jmp, 1);
}

static void print_state(int step, const struct state *s) {
  printf("S %d", step);
  for (int r = 0; r < NREGS; r++) printf(" %08x", s->r[r]);
  printf("\n");
}

static void print_mem_diff(const uint8_t *now) {
  for (uint32_t i = 0; i < MEM_SIZE;) {
    if (now[i] == init_mem[i]) { i++; continue; }
    uint32_t j = i;
    while (j < MEM_SIZE && now[j] != init_mem[j]) j++;
    printf("W %x ", i);
    for (uint32_t k = i; k < j; k++) printf("%02x", now[k]);
    printf("\n");
    i = j;
  }
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Parse hex byte pairs; returns the count or -1. */
static int parse_bytes(const char *s, uint8_t *out, int max) {
  int n = 0;
  while (*s == ' ') s++;
  while (s[0] && s[0] != '\n') {
    int hi = hexval(s[0]), lo = hexval(s[1]);
    if (hi < 0 || lo < 0 || n >= max) return -1;
    out[n++] = (uint8_t)(hi << 4 | lo);
    s += 2;
  }
  return n;
}

static void die(int line, const char *why) {
  fprintf(stderr, "harness: input line %d: %s\n", line, why);
  exit(2);
}

static void run_case(void) {
  memset(code, 0xCC, CODE_SIZE);
  build();
  memcpy(mem, init_mem, MEM_SIZE);
  faulted = 0;
  timed_out = 0;
  if (sigsetjmp(fault_jmp, 1) == 0) {
    alarm(WATCHDOG_SECONDS);
    ((void (*)(void))(uintptr_t)code)();
  }
  alarm(0);
  if (timed_out) {
    printf("T\n");
  } else if (faulted) {
    int at = -1;
    for (int i = 0; i < n_insns; i++)
      if (fault.eip >= insn_addr[i] && fault.eip < insn_addr[i] + (uint32_t)insn_len[i]) at = i;
    /* traps (INT3, INTO, single-step) report the EIP after the instruction */
    if (at < 0)
      for (int i = 0; i < n_insns; i++)
        if (fault.eip == insn_addr[i] + (uint32_t)insn_len[i]) at = i;
    uint32_t off = 0;
    for (int i = 0; i < at; i++) off += (uint32_t)insn_len[i];
    if (at >= 0) off += fault.eip - insn_addr[at];
    if (trace) for (int i = 0; i < at; i++) { print_state(i + 1, &step_state[i]); print_mem_diff(step_mem[i]); }
    printf("F %x %x %d %x\n", fault.trapno, fault.err, at, off);
    print_state(at, &fault.st);
    print_mem_diff(mem);
  } else if (n_insns == 0) {
    print_state(0, &step_state[0]);
    print_mem_diff(step_mem[0]);
  } else {
    for (int i = trace ? 0 : n_insns - 1; i < n_insns; i++) {
      print_state(i + 1, &step_state[i]);
      print_mem_diff(step_mem[i]);
    }
  }
  printf("D\n");
  fflush(stdout);
}

int main(void) {
  code = mmap((void *)(uintptr_t)CODE_BASE, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
              MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  mem = mmap((void *)(uintptr_t)MEM_BASE, MEM_SIZE, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (code != (void *)(uintptr_t)CODE_BASE || mem != (void *)(uintptr_t)MEM_BASE) {
    fprintf(stderr, "harness: cannot map the code page at %#x and the window at %#x\n", CODE_BASE, MEM_BASE);
    return 1;
  }
  stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
  sigaltstack(&ss, NULL);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP };
  for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
  struct sigaction al;
  memset(&al, 0, sizeof al);
  al.sa_handler = on_alarm;
  al.sa_flags = SA_ONSTACK | SA_NODEFER;
  sigemptyset(&al.sa_mask);
  sigaction(SIGALRM, &al, NULL);

  static char line[2 * MEM_SIZE + 64];
  int lineno = 0;
  while (fgets(line, sizeof line, stdin)) {
    lineno++;
    switch (line[0]) {
    case 'C':
      n_insns = 0;
      trace = line[2] == '1';
      memset(&init, 0, sizeof init);
      memset(init_mem, 0, sizeof init_mem);
      break;
    case 'I': {
      if (n_insns >= MAX_INSNS) die(lineno, "too many instructions in one case");
      int n = parse_bytes(line + 1, insn[n_insns], MAX_INSN_LEN);
      if (n <= 0) die(lineno, "an instruction needs 1 to 15 hex bytes");
      insn_len[n_insns++] = n;
      break;
    }
    case 'R':
      if (sscanf(line + 1, "%x %x %x %x %x %x %x %x %x", &init.r[0], &init.r[1], &init.r[2], &init.r[3],
                 &init.r[4], &init.r[5], &init.r[6], &init.r[7], &init.r[8]) != 9)
        die(lineno, "R needs 9 hex numbers");
      break;
    case 'M': {
      unsigned off;
      int used;
      if (sscanf(line + 1, "%x%n", &off, &used) != 1) die(lineno, "M needs an offset");
      uint8_t buf[MEM_SIZE];
      int n = parse_bytes(line + 1 + used, buf, MEM_SIZE);
      if (n < 0 || off + (unsigned)n > MEM_SIZE) die(lineno, "M bytes are not hex or leave the window");
      memcpy(init_mem + off, buf, (size_t)n);
      break;
    }
    case 'E':
      run_case();
      break;
    case '\n':
      break;
    default:
      die(lineno, "unknown command");
    }
  }
  return 0;
}
