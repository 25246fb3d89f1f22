// `args->field` in tracepoint probes: the field's type from the event's format file.
import type { BtfTypes } from '../btf.ts';
import type { TracepointField } from '../kernel.ts';
import { int, pointer, stringType, type IntBits, type Type } from '../types.ts';

/** How the code generator reads a field out of the raw tracepoint record. */
export type FieldAccess =
  | { readonly kind: 'scalar' } // a load of field.size bytes, sign-extended when signed
  | { readonly kind: 'array' } // char name[N]: the bytes in the record
  | { readonly kind: 'bytes' } // __u8 name[N], unsigned long args[6]: an integer array, its bytes in the record
  | { readonly kind: 'data-loc' } // __data_loc char[]: a u32 (offset | length << 16) to a string in the record
  | { readonly kind: 'context'; readonly index: number } // fentry/fexit/tp_btf: the index-th u64 of the context
  | { readonly kind: 'register'; readonly index: number }; // uprobe: the index-th argument register of pt_regs

export function tracepointFieldType(
  f: TracepointField,
  group: string,
  maxStrlen: number,
  btf?: BtfTypes,
): { type: Type; access: FieldAccess } | { error: string } {
  const t = f.type.replace(/\s+/g, ' ').trim();
  if (t.startsWith('__data_loc')) {
    if (/char\s*\[\]$/.test(t)) return { type: stringType(maxStrlen), access: { kind: 'data-loc' } };
    return { error: `field ${f.name} (${t}) is a variable-length array, which scry cannot read yet` };
  }
  const arr = /^(?:const )?(?:unsigned )?char ?\[(\d+)\]$/.exec(t);
  if (arr) return { type: stringType(Number(arr[1])), access: { kind: 'array' } };
  // an integer array, as bpftrace v0.26 types one (tracepoint_format_parser.cpp CreateArray): `args->daddr[0]`
  // indexes it, print() writes [127,0,0,1], ntop() and macaddr() take its bytes
  const ints = /^(?:const )?(.+?) ?\[(\d+)\]$/.exec(t);
  const elem = ints ? cIntTypes[ints[1]!] : undefined;
  const count = ints ? Number(ints[2]) : 0;
  if (elem && count > 0 && count * (elem.bits / 8) === f.size)
    return { type: { kind: 'array', elem: int(elem.bits, elem.signed), count }, access: { kind: 'bytes' } };
  if (/\[\d*\]$/.test(t)) return { error: `field ${f.name} is an array (${t}), which scry cannot read yet` };
  // Syscall arguments point into the calling process; other tracepoints' pointers are kernel addresses.
  if (t.includes('*'))
    return { type: fieldPointer(t, group === 'syscalls' ? 'user' : 'kernel', btf), access: { kind: 'scalar' } };
  // enum skb_drop_reason reason: a number of the field's size that prints as its enumerator (kernel BTF)
  const en = /^(?:const )?enum (\w+)$/.exec(t);
  const enumId = en && [1, 2, 4, 8].includes(f.size) ? btf?.lookup(`enum ${en[1]}`) : undefined;
  if (enumId !== undefined)
    return {
      type: {
        kind: 'int',
        bits: (f.size * 8) as IntBits,
        signed: f.signed,
        view: { kind: 'enum', btf: enumId, name: `enum ${en![1]}` },
      },
      access: { kind: 'scalar' },
    };
  // An integer is as wide and as signed as the format line says, whatever its C type, as bpftrace (0.17 and
  // v0.26: tracepoint_format_parser.cpp SetSize/SetSign) reads it: a syscall's `int dfd; size:8; signed:0` is a
  // u64, so AT_FDCWD reads 4294967196, not -100
  if (![1, 2, 4, 8].includes(f.size))
    return { error: `field ${f.name} has an unusual size (${f.size} bytes), which scry cannot read yet` };
  return { type: int((f.size * 8) as IntBits, f.signed), access: { kind: 'scalar' } };
}

const cIntTypes: Record<string, { bits: IntBits; signed: boolean }> = {
  char: { bits: 8, signed: true },
  'signed char': { bits: 8, signed: true },
  'unsigned char': { bits: 8, signed: false },
  short: { bits: 16, signed: true },
  'unsigned short': { bits: 16, signed: false },
  int: { bits: 32, signed: true },
  'unsigned int': { bits: 32, signed: false },
  unsigned: { bits: 32, signed: false },
  long: { bits: 64, signed: true },
  'unsigned long': { bits: 64, signed: false },
  'long long': { bits: 64, signed: true },
  'unsigned long long': { bits: 64, signed: false },
  bool: { bits: 8, signed: false },
  s8: { bits: 8, signed: true },
  u8: { bits: 8, signed: false },
  s16: { bits: 16, signed: true },
  u16: { bits: 16, signed: false },
  s32: { bits: 32, signed: true },
  u32: { bits: 32, signed: false },
  s64: { bits: 64, signed: true },
  u64: { bits: 64, signed: false },
  __s8: { bits: 8, signed: true },
  __u8: { bits: 8, signed: false },
  int8_t: { bits: 8, signed: true },
  uint8_t: { bits: 8, signed: false },
  __s16: { bits: 16, signed: true },
  __u16: { bits: 16, signed: false },
  int16_t: { bits: 16, signed: true },
  uint16_t: { bits: 16, signed: false },
  __be16: { bits: 16, signed: false },
  int32_t: { bits: 32, signed: true },
  uint32_t: { bits: 32, signed: false },
  __be32: { bits: 32, signed: false },
  int64_t: { bits: 64, signed: true },
  uint64_t: { bits: 64, signed: false },
  __s32: { bits: 32, signed: true },
  __u32: { bits: 32, signed: false },
  __s64: { bits: 64, signed: true },
  __u64: { bits: 64, signed: false },
  pid_t: { bits: 32, signed: true },
  uid_t: { bits: 32, signed: false },
  gid_t: { bits: 32, signed: false },
  umode_t: { bits: 16, signed: false },
  size_t: { bits: 64, signed: false },
  ssize_t: { bits: 64, signed: true },
  loff_t: { bits: 64, signed: true },
  off_t: { bits: 64, signed: true },
  key_serial_t: { bits: 32, signed: true },
  clockid_t: { bits: 32, signed: true },
  qid_t: { bits: 32, signed: false },
  dev_t: { bits: 32, signed: false },
};

/**
 * A pointer field's type, `const char *const * argv` included: each `*` is one level, so `argv[1]` is a
 * `char *` (a string pointer for str()) and `int *` fields read as int32 through `*`. Chars and void
 * stay untyped addresses (str() and buf() take those); `struct cred *` is typed through BTF.
 */
function fieldPointer(t: string, space: 'user' | 'kernel', btf: BtfTypes | undefined): Type {
  const levels = (t.match(/\*/g) ?? []).length;
  const base = t
    .replace(/\*/g, ' ')
    .replace(/\bconst\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const c = cIntTypes[base];
  const id = /^(?:unsigned |signed )?char$|^void$/.test(base) || c ? undefined : btf?.lookup(base);
  let out: Type =
    id !== undefined && btf
      ? { kind: 'int', bits: 64, signed: false, space, pointee: id, pointeeName: btf.typeName(id) }
      : c
        ? { kind: 'int', bits: 64, signed: false, space, pointeeInt: int(c.bits, c.signed) }
        : pointer(space);
  for (let i = 1; i < levels; i++) out = { kind: 'int', bits: 64, signed: false, space, pointeeInt: out };
  return out;
}
