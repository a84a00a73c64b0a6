import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HostMachine } from "@virtkit/kvm";
import { KvmAccel } from "../../accel/kvm-accel.js";
import { RawDriver } from "../../block/raw.js";
import { RingbufChardev } from "../../chardev/chardev-ringbuf.js";
import { PcMachine } from "../../machine/pc.js";
import { runGuestRom } from "../../machine/testing/guest-harness.js";
import { VirtioBlk } from "./virtio-blk.js";
import { VirtioPciProxy } from "./virtio-pci.js";
import { plugVirtioPci } from "./virtio-pci-plug.js";
import { VirtioRng } from "./virtio-rng.js";
import { PassThrough } from "node:stream";
import { qemuSystemMain } from "../../cli/qemu-system.js";

/*
 * Whole system: a 16-bit firmware drives a virtio-rng-pci function on the pc machine over
 * @virtkit/kvm the way a legacy virtio driver does: it routes PIRQC to IRQ 11, programs BAR0,
 * negotiates, lays out the ring in RAM, kicks, polls the used ring, then reads the PIC's IRR
 * before and after reading the ISR. The same ROM runs on the real QEMU with virtio-rng-pci
 * (vectors=0) at the same address; everything but the random bytes must print the same.
 */

const QEMU = "qemu-system-x86_64";
const hasQemu = spawnSync(QEMU, ["--version"], { stdio: "ignore" }).status === 0;
const hasNasm = spawnSync("nasm", ["-v"], { stdio: "ignore" }).status === 0;
if (!hasNasm) console.warn("virtio-pc-guest: nasm not found, skipping the whole-system virtio test");
if (hasNasm && !hasQemu) console.warn(`virtio-pc-guest: ${QEMU} not found, the output is not compared with the real QEMU`);

/** Both ROMs: hex32/hex16/hex8 print EAX/AX/AL in hex and a space on port 0xE9; then the reset vector. */
const HEX_AND_RESET = `hex32:
  push eax
  shr eax, 16
  call hex16
  pop eax
hex16:
  push ax
  mov al, ah
  call hex8nosp
  pop ax
hex8:
  call hex8nosp
  mov al, ' '
  out 0xe9, al
  ret
hex8nosp:
  push ax
  shr al, 4
  call nib
  pop ax
  and al, 15
nib:
  add al, '0'
  cmp al, '9'
  jbe .o
  add al, 7
.o:
  out 0xe9, al
  ret
times 0xfff0 - ($-$$) db 0xff
  jmp 0xf000:start
times 0x10000 - ($-$$) db 0xff
`;

const ROM = `
bits 16
org 0
%define IO 0xc000
start:
  cli
  xor ax, ax
  mov ss, ax
  mov sp, 0x7000
  ; PIIX3 PIRQRC[C] (0:1.0 reg 0x62) = IRQ 11: slot 3 INTA# lands on PIRQC
  mov eax, 0x80000860
  mov dx, 0xcf8
  out dx, eax
  mov dx, 0xcfe
  mov al, 11
  out dx, al
  ; 0:3.0: vendor/device, then BAR0 = IO, command = I/O + bus master
  mov eax, 0x80001800
  mov dx, 0xcf8
  out dx, eax
  mov dx, 0xcfc
  in eax, dx
  call hex32
  mov eax, 0x80001810
  mov dx, 0xcf8
  out dx, eax
  mov dx, 0xcfc
  mov eax, IO
  out dx, eax
  mov eax, 0x80001804
  mov dx, 0xcf8
  out dx, eax
  mov dx, 0xcfc
  mov ax, 5
  out dx, ax
  ; reset, ACKNOWLEDGE, DRIVER; host features; no guest features
  mov dx, IO + 0x12
  mov al, 0
  out dx, al
  mov al, 1
  out dx, al
  mov al, 3
  out dx, al
  mov dx, IO
  in eax, dx
  call hex32
  mov dx, IO + 4
  xor eax, eax
  out dx, eax
  mov dx, IO + 0x0e
  xor ax, ax
  out dx, ax
  mov dx, IO + 0x0c
  in ax, dx
  call hex16
  ; the ring at 0x10000 (legacy layout for 8 entries: avail at +0x80, used at +0x1000)
  mov ax, 0x1000
  mov es, ax
  xor di, di
  mov cx, 0x1000
  xor ax, ax
  rep stosw
  mov dword [es:0], 0x20000
  mov dword [es:8], 16
  mov word [es:12], 2
  mov word [es:0x84], 0
  mov dx, IO + 8
  mov eax, 0x10
  out dx, eax
  mov dx, IO + 0x12
  mov al, 7
  out dx, al
  call irr
  ; publish the buffer only after DRIVER_OK: QEMU's virtio-rng looks at the queue when the status
  ; changes and its entropy backend answers asynchronously, so a buffer already available here
  ; would race with the IRR read above
  mov word [es:0x82], 1
  mov dx, IO + 0x10
  xor ax, ax
  out dx, ax
poll:
  mov ax, [es:0x1002]
  cmp ax, 1
  jne poll
  mov eax, [es:0x1008]
  call hex32
  call irr
  mov dx, IO + 0x13
  in al, dx
  call hex8
  call irr
  mov dx, IO + 0x13
  in al, dx
  call hex8
  mov al, 10
  out 0xe9, al
  mov ax, 0x2000
  mov es, ax
  xor si, si
bytes:
  mov al, [es:si]
  call hex8
  inc si
  cmp si, 16
  jne bytes
  mov al, 10
  out 0xe9, al
  mov dx, 0x501
  mov al, 0
  out dx, al
  hlt
irr:
  mov al, 0x0a
  out 0xa0, al
  in al, 0xa0
  jmp hex8
${HEX_AND_RESET}`;

const dir = mkdtempSync(join(tmpdir(), "virtkit-virtio-guest-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasNasm)("virtio-rng-pci on the pc machine, driven by guest code", () => {
  it("negotiates, fills the guest's buffer, raises INTx on IRQ 11 and lowers it on the ISR read, as QEMU does", () => {
    writeFileSync(join(dir, "rom.asm"), ROM);
    const asm = spawnSync("nasm", ["-f", "bin", "-o", join(dir, "rom.bin"), join(dir, "rom.asm")], { encoding: "utf8" });
    expect(asm.status, asm.stderr).toBe(0);
    const rom = new Uint8Array(readFileSync(join(dir, "rom.bin")));
    const random = Uint8Array.from({ length: 16 }, (_, i) => (i * 37 + 11) & 0xff);
    const run = runGuestRom(rom, {
      setup: (pc) => {
        const rng = new VirtioRng({
          source: (d) => {
            d.set(random.subarray(0, d.length));
          },
        });
        plugVirtioPci({ pciBus: pc.pciBus!, pciBars: pc.pciBars! }, new VirtioPciProxy(rng, { dma: pc.guestMemory }), 3);
      },
    });
    expect(run.exitStatus).toBe(1);
    const [ours, oursBytes] = run.debugcon.split("\n");
    expect(oursBytes).toBe(Array.from(random, (b) => b.toString(16).toUpperCase().padStart(2, "0")).join(" ") + " ");
    // vendor:device 1AF4:1005, legacy features, queue size 8, used len 16, IRR bit 3 (IRQ 11) up, ISR 1, ...
    expect(ours).toBe("1005 1AF4 7900 0000 0008 00 0000 0010 08 01 08 00 ");
    if (hasQemu) {
      const out = join(dir, "out.bin");
      writeFileSync(out, "");
      const r = spawnSync(
        QEMU,
        ["-M", "pc", "-accel", "tcg", "-bios", join(dir, "rom.bin"), "-display", "none", "-nodefaults", "-m", "32",
          "-debugcon", `file:${out}`, "-device", "isa-debug-exit", "-device", "virtio-rng-pci,addr=3,vectors=0"],
        { encoding: "utf8", timeout: 60_000 },
      );
      expect(r.stderr).toBe("");
      const [theirs, theirBytes] = readFileSync(out, "latin1").split("\n");
      expect(ours).toBe(theirs);
      expect(theirBytes).toMatch(/^([0-9A-F]{2} ){16}$/);
    }
  });
});

/** qemu32's features our CPU does not have, warned about as QEMU does under KVM (not this test's concern). */
function withoutCpuidWarnings(stderr: string): string {
  return stderr.replace(/^qemu-system-i386: warning: host doesn't support requested feature: .*\n/gm, "");
}

describe.skipIf(!hasNasm)("virtio-rng-pci with -object rng-random (libvirt's <rng><backend model='random'>)", () => {
  it("the guest receives the bytes of the backend's file, on our qemu-system as on QEMU's", async () => {
    writeFileSync(join(dir, "rom.asm"), ROM);
    const asm = spawnSync("nasm", ["-f", "bin", "-o", join(dir, "rom-obj.bin"), join(dir, "rom.asm")], { encoding: "utf8" });
    expect(asm.status, asm.stderr).toBe(0);
    const entropy = join(dir, "entropy.bin");
    writeFileSync(entropy, Uint8Array.from({ length: 64 }, (_, i) => (i * 53 + 7) & 0xff));
    const expectedBytes = Array.from({ length: 16 }, (_, i) => ((i * 53 + 7) & 0xff).toString(16).toUpperCase().padStart(2, "0")).join(" ") + " ";
    const args = (out: string): string[] => ["-M", "pc", "-bios", join(dir, "rom-obj.bin"), "-display", "none", "-nodefaults", "-m", "32",
      "-debugcon", `file:${out}`, "-device", "isa-debug-exit",
      "-object", `rng-random,id=objrng0,filename=${entropy}`, "-device", "virtio-rng-pci,rng=objrng0,addr=3,vectors=0"];
    const ours = join(dir, "ours-obj.txt");
    const stderr = new PassThrough();
    let err = "";
    stderr.on("data", (d: Buffer) => (err += d.toString()));
    const status = await qemuSystemMain(args(ours), { stdout: new PassThrough(), stderr });
    expect(withoutCpuidWarnings(err)).toBe("");
    expect(status).toBe(1); // isa-debug-exit: the ROM writes 0, the exit status is (0 << 1) | 1
    const [oursHead, oursBytes] = readFileSync(ours, "latin1").split("\n");
    expect(oursHead).toBe("1005 1AF4 7900 0000 0008 00 0000 0010 08 01 08 00 ");
    expect(oursBytes).toBe(expectedBytes);
    if (hasQemu) {
      const theirs = join(dir, "theirs-obj.txt");
      writeFileSync(theirs, "");
      const r = spawnSync(QEMU, ["-accel", "tcg", ...args(theirs)], { encoding: "utf8", timeout: 60_000 });
      expect(r.stderr).toBe("");
      expect(readFileSync(theirs, "latin1").split("\n").slice(0, 2)).toEqual([oursHead, oursBytes]);
    }
  });

  it("refuses an rng= that names no object, and a backend file that cannot be opened, as QEMU does", async () => {
    const run = async (extra: string[]): Promise<string> => {
      const stderr = new PassThrough();
      let err = "";
      stderr.on("data", (d: Buffer) => (err += d.toString()));
      const status = await qemuSystemMain(["-M", "pc", "-nodefaults", "-display", "none", "-m", "16", ...extra], { stdout: new PassThrough(), stderr });
      expect(status).toBe(1);
      return withoutCpuidWarnings(err);
    };
    expect(await run(["-device", "virtio-rng-pci,rng=nosuch"])).toBe(
      "qemu-system-i386: -device virtio-rng-pci,rng=nosuch: Property 'virtio-rng-device.rng' can't find value 'nosuch'\n",
    );
    expect(await run(["-object", "rng-random,id=r0,filename=/nonexistent/entropy", "-device", "virtio-rng-pci,rng=r0"])).toBe(
      "qemu-system-i386: -object rng-random,id=r0,filename=/nonexistent/entropy: Could not open '/nonexistent/entropy': No such file or directory\n",
    );
  });
});

/* virtio-blk through the legacy interface: write sector 1, read sector 0 back, print both statuses and the text. */
const BLK_ROM = `
bits 16
org 0
%define IO 0xc000
start:
  cli
  xor ax, ax
  mov ss, ax
  mov sp, 0x7000
  mov eax, 0x80001810
  mov dx, 0xcf8
  out dx, eax
  mov dx, 0xcfc
  mov eax, IO
  out dx, eax
  mov eax, 0x80001804
  mov dx, 0xcf8
  out dx, eax
  mov dx, 0xcfc
  mov ax, 5
  out dx, ax
  mov dx, IO + 0x12
  mov al, 0
  out dx, al
  mov al, 3
  out dx, al
  mov dx, IO + 4
  xor eax, eax
  out dx, eax
  mov dx, IO + 0x0e
  xor ax, ax
  out dx, ax
  mov dx, IO + 0x0c
  in ax, dx
  call hex16
  ; zero 0x10000-0x2ffff
  mov ax, 0x1000
  mov es, ax
  xor di, di
  mov cx, 0x8000
  xor ax, ax
  rep stosw
  mov ax, 0x2000
  mov es, ax
  xor di, di
  mov cx, 0x8000
  xor ax, ax
  rep stosw
  ; requests at 0x20000: hdr1 +0, data1 +0x1000 (0x5a, text), st1 +0x1200, hdr2 +0x100, data2 +0x2000, st2 +0x1300
  mov dword [es:0], 1
  mov dword [es:8], 1
  mov dword [es:0x100], 0
  mov dword [es:0x108], 0
  mov di, 0x1000
  mov cx, 512
  mov al, 0x5a
  rep stosb
  mov si, msg
  mov di, 0x1000
copy:
  mov al, [cs:si]
  mov [es:di], al
  inc si
  inc di
  cmp al, 0
  jne copy
  mov byte [es:0x1200], 0xee
  mov byte [es:0x1300], 0xee
  ; descriptors at 0x10000 (256 entries), avail at 0x11000, used at 0x12000
  mov ax, 0x1000
  mov es, ax
  mov bx, 0
  mov eax, 0x20000
  mov ecx, 16
  mov dx, 0x0101
  call desc
  mov eax, 0x21000
  mov ecx, 512
  mov dx, 0x0201
  call desc
  mov eax, 0x21200
  mov ecx, 1
  mov dx, 0x0002
  call desc
  mov eax, 0x20100
  mov ecx, 16
  mov dx, 0x0401
  call desc
  mov eax, 0x22000
  mov ecx, 512
  mov dx, 0x0503
  call desc
  mov eax, 0x21300
  mov ecx, 1
  mov dx, 0x0002
  call desc
  mov dx, IO + 8
  mov eax, 0x10
  out dx, eax
  mov dx, IO + 0x12
  mov al, 7
  out dx, al
  ; request 1: head 0
  mov word [es:0x1004], 0
  mov word [es:0x1002], 1
  mov dx, IO + 0x10
  xor ax, ax
  out dx, ax
poll1:
  cmp word [es:0x2002], 1
  jne poll1
  mov word [es:0x1006], 3
  mov word [es:0x1002], 2
  mov dx, IO + 0x10
  xor ax, ax
  out dx, ax
poll2:
  cmp word [es:0x2002], 2
  jne poll2
  mov eax, [es:0x2008]
  call hex32
  mov eax, [es:0x2010]
  call hex32
  mov ax, 0x2000
  mov es, ax
  mov al, [es:0x1200]
  call hex8
  mov al, [es:0x1300]
  call hex8
  mov al, 10
  out 0xe9, al
  mov si, 0x2000
text:
  mov al, [es:si]
  cmp al, 0
  je done
  out 0xe9, al
  inc si
  jmp text
done:
  mov al, 10
  out 0xe9, al
  mov dx, 0x501
  mov al, 0
  out dx, al
  hlt
; descriptor bx: addr eax, len ecx, dl = flags, dh = next
desc:
  push bx
  shl bx, 4
  mov [es:bx], eax
  mov dword [es:bx+4], 0
  mov [es:bx+8], ecx
  xor ax, ax
  mov al, dl
  mov [es:bx+12], ax
  mov al, dh
  mov [es:bx+14], ax
  pop bx
  inc bx
  ret
msg: db "virtkit wrote sector 1", 0
${HEX_AND_RESET}`;

describe.skipIf(!hasNasm)("virtio-blk-pci on the pc machine, driven by guest code", () => {
  it("writes and reads sectors of a raw image with asynchronous completions while the machine runs its event loop", async () => {
    writeFileSync(join(dir, "blk.asm"), BLK_ROM);
    const asm = spawnSync("nasm", ["-f", "bin", "-o", join(dir, "blk.bin"), join(dir, "blk.asm")], { encoding: "utf8" });
    expect(asm.status, asm.stderr).toBe(0);
    const disk = Buffer.alloc(1 << 20);
    disk.write("Hello from a virtio-blk disk!\0", 0, "latin1");
    const ours = join(dir, "ours.raw");
    const theirs = join(dir, "theirs.raw");
    writeFileSync(ours, disk);
    writeFileSync(theirs, disk);
    const drive = RawDriver.open(ours, false);
    const pc = new PcMachine({ type: "pc", accel: KvmAccel.create({ host: new HostMachine() }), ramSize: 32 << 20, bios: new Uint8Array(readFileSync(join(dir, "blk.bin"))), rtcBaseMs: 0 });
    const con = new RingbufChardev("debugcon", 1 << 16);
    pc.addIsaDebugcon(con);
    pc.addIsaDebugExit();
    plugVirtioPci({ pciBus: pc.pciBus!, pciBars: pc.pciBars! }, new VirtioPciProxy(new VirtioBlk({ drive }), { dma: pc.guestMemory }), 3);
    const status = await new Promise<number>((resolve) => {
      pc.onExit(resolve);
      pc.vmStart();
    });
    pc.destroy();
    await drive.close();
    const out = new TextDecoder("latin1").decode(con.read());
    expect(status).toBe(1);
    // queue size 256, used lengths 1 and 513 (status, data + status), both statuses OK, sector 0's text.
    expect(out).toBe("0100 0000 0001 0000 0201 00 00 \nHello from a virtio-blk disk!\n");
    const sector1 = readFileSync(ours).subarray(512, 1024);
    expect(sector1.toString("latin1", 0, 22)).toBe("virtkit wrote sector 1");
    expect(sector1[100]).toBe(0x5a);
    if (hasQemu) {
      const qout = join(dir, "blk.out");
      writeFileSync(qout, "");
      const r = spawnSync(
        QEMU,
        ["-M", "pc", "-accel", "tcg", "-bios", join(dir, "blk.bin"), "-display", "none", "-nodefaults", "-m", "32",
          "-debugcon", `file:${qout}`, "-device", "isa-debug-exit",
          "-drive", `if=none,id=d0,file=${theirs},format=raw`, "-device", "virtio-blk-pci,drive=d0,addr=3,vectors=0"],
        { encoding: "utf8", timeout: 60_000 },
      );
      expect(r.stderr).toBe("");
      expect(readFileSync(qout, "latin1")).toBe(out);
      expect(readFileSync(theirs)).toEqual(readFileSync(ours));
    }
  });
});
