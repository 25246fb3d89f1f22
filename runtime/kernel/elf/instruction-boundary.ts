// Whether FUNC+OFF starts an instruction: a uprobe's int3 written inside one corrupts it and crashes the traced
// process. x86-64 is decoded from the function's first byte (x86-length.ts); arm64 instructions are all 4 bytes.
import { EM_X86_64, SHT_NOBITS, type ElfFile } from './elf-file.ts';
import { instructionLength, MAX_INSTRUCTION_LENGTH } from './x86-length.ts';

export const EM_AARCH64 = 183;

const SHF_ALLOC = 2n;

export type Boundary =
  | { readonly kind: 'start' }
  /** `offset` falls in the `length`-byte instruction at `start` (both from the function's start) */
  | { readonly kind: 'inside'; readonly start: bigint; readonly length: number }
  /** the decoder stopped at `at` (from the function's start) before reaching the offset, at `why` */
  | { readonly kind: 'unknown'; readonly at: bigint; readonly why: string }
  /** no decoder for the file's machine */
  | { readonly kind: 'unsupported'; readonly machine: number };

/** Where `offset` bytes into the function at virtual address `start` falls among its instructions. */
export function instructionBoundary(elf: ElfFile, start: bigint, offset: bigint): Boundary {
  const machine = elf.header.machine;
  if (offset === 0n) return { kind: 'start' };
  if (machine === EM_AARCH64)
    return offset % 4n === 0n ? { kind: 'start' } : { kind: 'inside', start: offset & ~3n, length: 4 };
  if (machine !== EM_X86_64) return { kind: 'unsupported', machine };
  const code = functionBytes(elf, start, offset + BigInt(MAX_INSTRUCTION_LENGTH));
  if (!code) return { kind: 'unknown', at: 0n, why: 'code that is not in the file' };
  const off = Number(offset);
  let p = 0;
  while (p < off) {
    const n = instructionLength(code, p);
    if (n === undefined) {
      const shown = [...code.subarray(p, Math.min(p + 4, code.length))].map((b) => b.toString(16).padStart(2, '0'));
      return { kind: 'unknown', at: BigInt(p), why: `an instruction scry does not decode (${shown.join(' ')} …)` };
    }
    if (p + n > off) return { kind: 'inside', start: BigInt(p), length: n };
    p += n;
  }
  return { kind: 'start' };
}

/**
 * Up to `length` bytes from virtual address `start`: from the section holding it (not past its end), or from
 * the loadable segment holding it when the file has no section headers. Undefined when no file bytes hold it.
 */
function functionBytes(elf: ElfFile, start: bigint, length: bigint): Buffer | undefined {
  const section = elf.sections.find(
    (s) => (s.flags & SHF_ALLOC) !== 0n && s.type !== SHT_NOBITS && start >= s.addr && start < s.addr + s.size,
  );
  let fileOffset: bigint;
  let available: bigint;
  if (section) {
    fileOffset = section.offset + (start - section.addr);
    available = section.addr + section.size - start;
  } else {
    const seg = elf.loadSegments.find((s) => start >= s.vaddr && start < s.vaddr + s.filesz);
    if (!seg) return undefined;
    fileOffset = seg.offset + (start - seg.vaddr);
    available = seg.vaddr + seg.filesz - start;
  }
  const n = Number(length < available ? length : available);
  return elf.withBytes((src) => Buffer.from(src.read(Number(fileOffset), n)));
}
