// The BTF reader on hand-built blobs (no kernel): every kind, bitfields both ways, anonymous members,
// name collisions, split BTF, C printing, and malformed input. Blobs are written word by word here
// from the format (include/uapi/linux/btf.h), independently of the reader.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { BtfType } from '../../../../lang/btf.ts';
import { BtfError, intKey, parseBtf } from '../../../../runtime/kernel/btf/index.ts';

const KIND = {
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;

/** Writes BTF types as raw words. For split BTF, give the base's type count and string length. */
class Blob {
  readonly words: number[] = [];
  private readonly strings: string[] = [];
  private readonly offsets = new Map<string, number>();
  private strLen = 0;
  private next: number;

  constructor(private readonly base: { types: number; strLen: number } = { types: 1, strLen: 0 }) {
    this.next = base.types;
    if (base.strLen === 0)
      this.str(''); // a base blob starts with the empty string
    else this.offsets.set('', 0); // split: '' is the base's offset 0
  }

  str(s: string): number {
    const known = this.offsets.get(s);
    if (known !== undefined) return known;
    const off = this.base.strLen + this.strLen;
    this.strings.push(s);
    this.offsets.set(s, off);
    this.strLen += Buffer.byteLength(s, 'latin1') + 1;
    return off;
  }

  type(name: string, kind: number, vlen: number, sizeOrType: number, extra: number[] = [], kflag = false): number {
    this.words.push(this.str(name), ((kflag ? 1 : 0) << 31) | (kind << 24) | vlen, sizeOrType, ...extra);
    return this.next++;
  }

  int(name: string, size: number, enc: number, bits = size * 8, bitOff = 0): number {
    return this.type(name, KIND.INT, 0, size, [(enc << 24) | (bitOff << 16) | bits]);
  }

  get typeCount(): number {
    return this.next;
  }

  get stringsLength(): number {
    return this.base.strLen + this.strLen;
  }

  /** hdrLen > 24 and a gap before the type section exercise offsets taken from the header; `shift` misaligns the bytes. */
  encode(opts: { hdrLen?: number; gap?: number; shift?: number } = {}): Uint8Array {
    const hdrLen = opts.hdrLen ?? 24;
    const gap = opts.gap ?? 0;
    const shift = opts.shift ?? 0;
    const typeLen = this.words.length * 4;
    const total = hdrLen + gap + typeLen + this.strLen;
    const outer = new Uint8Array(total + shift);
    const bytes = outer.subarray(shift);
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    v.setUint16(0, 0xeb9f, true);
    bytes[2] = 1;
    v.setUint32(4, hdrLen, true);
    v.setUint32(8, gap, true);
    v.setUint32(12, typeLen, true);
    v.setUint32(16, gap + typeLen, true);
    v.setUint32(20, this.strLen, true);
    this.words.forEach((w, i) => v.setUint32(hdrLen + gap + i * 4, w >>> 0, true));
    let at = hdrLen + gap + typeLen;
    for (const s of this.strings) {
      bytes.set(Buffer.from(s, 'latin1'), at);
      at += Buffer.byteLength(s, 'latin1') + 1;
    }
    return bytes;
  }
}

/** A small kernel-like world used by most tests. */
function world() {
  const b = new Blob();
  const int = b.int('int', 4, 1);
  const uint = b.int('unsigned int', 4, 0);
  const char = b.int('char', 1, 2);
  const ulong = b.int('long unsigned int', 8, 0);
  const bool = b.int('_Bool', 1, 4);
  const voidPtr = b.type('', KIND.PTR, 0, 0);
  const constChar = b.type('', KIND.CONST, 0, char);
  const constCharPtr = b.type('', KIND.PTR, 0, constChar);
  const charArr = b.type('', KIND.ARRAY, 0, 0, [char, int, 16]);
  const pidT = b.type('pid_t', KIND.TYPEDEF, 0, int);
  const volatilePid = b.type('', KIND.VOLATILE, 0, pidT);
  // struct foo { int a; union { unsigned int b; struct { char c; unsigned int d: 3, e: 5; }; }; char name[16]; }
  const innerStruct = b.type(
    '',
    KIND.STRUCT,
    3,
    8,
    [b.str('c'), char, 0, b.str('d'), uint, (3 << 24) | 32, b.str('e'), uint, (5 << 24) | 35],
    true,
  );
  const anonUnion = b.type('', KIND.UNION, 2, 8, [b.str('b'), uint, 0, 0, innerStruct, 0]);
  const foo = b.type('foo', KIND.STRUCT, 3, 32, [
    b.str('a'),
    volatilePid,
    0,
    0,
    anonUnion,
    64,
    b.str('name'),
    charArr,
    128,
  ]);
  const fooTypedef = b.type('foo', KIND.TYPEDEF, 0, foo); // struct foo and typedef foo coexist
  const fooPtr = b.type('', KIND.PTR, 0, foo);
  const constFooPtr = b.type('', KIND.CONST, 0, fooPtr); // struct foo *const
  // int (*)(void *); int printk(const char *, ...)
  const cb = b.type('', KIND.FUNC_PROTO, 1, int, [0, voidPtr]);
  const cbPtr = b.type('', KIND.PTR, 0, cb);
  const printkProto = b.type('', KIND.FUNC_PROTO, 2, int, [b.str('fmt'), constCharPtr, 0, 0]);
  const printk = b.type('printk', KIND.FUNC, 1, printkProto);
  const readProto = b.type('', KIND.FUNC_PROTO, 3, ulong, [
    b.str('f'),
    fooPtr,
    b.str('buf'),
    constCharPtr,
    b.str('n'),
    ulong,
  ]);
  const doRead = b.type('do_read', KIND.FUNC, 0, readProto);
  const doReadv = b.type('do_readv', KIND.FUNC, 0, readProto);
  const tcpA = b.type('tcp_sendmsg', KIND.FUNC, 0, readProto);
  // legacy bitfields: no kind_flag, the INT member itself is 3 bits wide
  const int3 = b.int('int', 4, 1, 3);
  const legacy = b.type('legacy', KIND.STRUCT, 2, 4, [b.str('x'), int3, 0, b.str('y'), int3, 3]);
  const sign = b.type('sign', KIND.ENUM, 2, 4, [b.str('NEG'), -1 >>> 0, b.str('POS'), 7], true);
  const usign = b.type('', KIND.ENUM, 1, 4, [b.str('BIG'), 0xffffffff]);
  const wide = b.type('wide', KIND.ENUM64, 2, 8, [b.str('W_HI'), 0, 0x80000000, b.str('W_ONE'), 1, 0]);
  const swide = b.type('swide', KIND.ENUM64, 1, 8, [b.str('SW_NEG'), 0xfffffffe, 0xffffffff], true);
  const fwd = b.type('opaque', KIND.FWD, 0, 0, [], true);
  const restrictPtr = b.type('', KIND.RESTRICT, 0, voidPtr);
  const tag = b.type('user', KIND.TYPE_TAG, 0, char);
  const userCharPtr = b.type('', KIND.PTR, 0, tag);
  const declTag = b.type('nonnull', KIND.DECL_TAG, 0, doRead, [1]);
  const dbl = b.type('double', KIND.FLOAT, 0, 8);
  const counter = b.type('counter', KIND.VAR, 0, ulong, [1]);
  const sec = b.type('.data', KIND.DATASEC, 1, 8, [counter, 0, 8]);
  const arrPtr = b.type('', KIND.PTR, 0, charArr); // char (*)[16]
  const cbArr = b.type('', KIND.ARRAY, 0, 0, [cbPtr, int, 4]); // int (*[4])(void *)
  // a raw tracepoint as the kernel describes it: btf_trace_x -> ptr -> proto(void *, named args unnamed)
  const tpProto = b.type('', KIND.FUNC_PROTO, 3, 0, [0, voidPtr, 0, bool, 0, fooPtr]);
  const tpPtr = b.type('', KIND.PTR, 0, tpProto);
  const tpTypedef = b.type('btf_trace_foo_happened', KIND.TYPEDEF, 0, tpPtr);
  const stubProto = b.type('', KIND.FUNC_PROTO, 3, 0, [
    b.str('__data'),
    voidPtr,
    b.str('urgent'),
    bool,
    b.str('foo'),
    fooPtr,
  ]);
  b.type('__probestub_foo_happened', KIND.FUNC, 0, stubProto);
  const tp2 = b.type('btf_trace_bar', KIND.TYPEDEF, 0, tpPtr); // no stub: argN names
  const dupFoo = b.type('foo', KIND.STRUCT, 0, 0); // a second struct foo: find() returns the first
  return {
    b,
    ids: {
      int,
      uint,
      char,
      ulong,
      bool,
      voidPtr,
      constChar,
      constCharPtr,
      charArr,
      pidT,
      volatilePid,
      innerStruct,
      anonUnion,
      foo,
      fooTypedef,
      fooPtr,
      constFooPtr,
      cb,
      cbPtr,
      printkProto,
      printk,
      readProto,
      doRead,
      doReadv,
      tcpA,
      int3,
      legacy,
      sign,
      usign,
      wide,
      swide,
      fwd,
      restrictPtr,
      tag,
      userCharPtr,
      declTag,
      dbl,
      counter,
      sec,
      arrPtr,
      cbArr,
      tpProto,
      tpTypedef,
      tp2,
      dupFoo,
    },
  };
}

const parse = suite('kernel/btf reader (hand-built blobs)');

parse('header: sections located from hdr_len and offsets; misaligned input is copied', () => {
  for (const opts of [{}, { hdrLen: 32, gap: 8 }, { shift: 1 }, { shift: 2, hdrLen: 28, gap: 1 }]) {
    const { b, ids } = world();
    const btf = parseBtf(b.encode(opts));
    assert.is(btf.typeCount, b.typeCount, JSON.stringify(opts));
    assert.is(btf.name(ids.foo), 'foo');
    assert.is(btf.find('printk', 'func'), ids.printk);
    assert.is(btf.sizeOf(ids.foo), 32);
  }
});

parse('every kind decodes to its model', () => {
  const { b, ids } = world();
  const btf = parseBtf(b.encode());
  const t = (id: number): BtfType => btf.type(id);
  assert.equal(t(0), { kind: 'void', id: 0, name: '' });
  assert.equal(t(ids.int), {
    kind: 'int',
    id: ids.int,
    name: 'int',
    size: 4,
    signed: true,
    char: false,
    bool: false,
    bits: 32,
    bitOffset: 0,
  });
  assert.equal(t(ids.char), {
    kind: 'int',
    id: ids.char,
    name: 'char',
    size: 1,
    signed: false,
    char: true,
    bool: false,
    bits: 8,
    bitOffset: 0,
  });
  assert.is((t(ids.bool) as { bool: boolean }).bool, true);
  assert.equal(t(ids.voidPtr), { kind: 'ptr', id: ids.voidPtr, name: '', target: 0 });
  assert.equal(t(ids.charArr), { kind: 'array', id: ids.charArr, name: '', elem: ids.char, index: ids.int, count: 16 });
  assert.equal(t(ids.fwd), { kind: 'fwd', id: ids.fwd, name: 'opaque', of: 'union' });
  assert.equal(t(ids.printk), {
    kind: 'func',
    id: ids.printk,
    name: 'printk',
    proto: ids.printkProto,
    linkage: 'global',
  });
  assert.equal(t(ids.printkProto), {
    kind: 'func_proto',
    id: ids.printkProto,
    name: '',
    ret: ids.int,
    params: [{ name: 'fmt', type: ids.constCharPtr }],
    variadic: true,
  });
  assert.equal(t(ids.tag), { kind: 'type_tag', id: ids.tag, name: 'user', target: ids.char });
  assert.equal(t(ids.declTag), {
    kind: 'decl_tag',
    id: ids.declTag,
    name: 'nonnull',
    target: ids.doRead,
    component: 1,
  });
  assert.equal(t(ids.dbl), { kind: 'float', id: ids.dbl, name: 'double', size: 8 });
  assert.equal(t(ids.counter), { kind: 'var', id: ids.counter, name: 'counter', target: ids.ulong, linkage: 'global' });
  assert.equal(t(ids.sec), {
    kind: 'datasec',
    id: ids.sec,
    name: '.data',
    size: 8,
    vars: [{ type: ids.counter, offset: 0, size: 8 }],
  });
  assert.equal(t(ids.restrictPtr), { kind: 'restrict', id: ids.restrictPtr, name: '', target: ids.voidPtr });
  assert.is(btf.kind(ids.wide), 'enum');
  assert.is(btf.kind(ids.fwd), 'fwd');
  assert.is(t(ids.foo), t(ids.foo), 'decoded types are cached');
  assert.throws(() => btf.type(b.typeCount), /out of range/);
  assert.throws(() => btf.type(-1), /out of range/);
});

parse('enum values: signed, unsigned, enum64 both ways, and enumerator lookup', () => {
  const { b, ids } = world();
  const btf = parseBtf(b.encode());
  const values = (id: number) => {
    const t = btf.type(id);
    assert.is(t.kind, 'enum');
    return t.kind === 'enum' ? [t.signed, t.wide, t.size, t.values.map((v) => [v.name, v.value])] : [];
  };
  assert.equal(values(ids.sign), [
    true,
    false,
    4,
    [
      ['NEG', -1n],
      ['POS', 7n],
    ],
  ]);
  assert.equal(values(ids.usign), [false, false, 4, [['BIG', 4294967295n]]]);
  assert.equal(values(ids.wide), [
    false,
    true,
    8,
    [
      ['W_HI', 0x8000000000000000n],
      ['W_ONE', 1n],
    ],
  ]);
  assert.equal(values(ids.swide), [true, true, 8, [['SW_NEG', -2n]]]);
  assert.equal(btf.enumerator('W_HI'), { enumId: ids.wide, value: 0x8000000000000000n });
  assert.equal(btf.enumerator('BIG'), { enumId: ids.usign, value: 4294967295n });
  assert.is(btf.enumerator('NOPE'), undefined);
});

parse('members: kind_flag bitfields, legacy INT bitfields, anonymous nesting with accumulated offsets', () => {
  const { b, ids } = world();
  const btf = parseBtf(b.encode());
  assert.equal(btf.members(ids.innerStruct), [
    { name: 'c', type: ids.char, offset: 0, bitOffset: 0, bitSize: 0 },
    { name: 'd', type: ids.uint, offset: 4, bitOffset: 32, bitSize: 3 },
    { name: 'e', type: ids.uint, offset: 4, bitOffset: 35, bitSize: 5 },
  ]);
  assert.equal(btf.members(ids.legacy), [
    { name: 'x', type: ids.int3, offset: 0, bitOffset: 0, bitSize: 3 },
    { name: 'y', type: ids.int3, offset: 0, bitOffset: 3, bitSize: 3 },
  ]);
  // through the typedef
  assert.is(btf.members(ids.fooTypedef)?.length, 3);
  assert.is(btf.members(ids.int), undefined);
  const e = btf.findMember(ids.foo, 'e');
  assert.ok(e);
  assert.is(e.offset, 12); // 8 (union) + 4
  assert.is(e.bitOffset, 99); // 64 + 35
  assert.is(e.member.bitSize, 5);
  assert.equal(
    e.path.map((m) => m.name),
    ['', '', 'e'],
  );
  assert.equal(
    e.path.map((m) => m.type),
    [ids.anonUnion, ids.innerStruct, ids.uint],
  );
  const bm = btf.findMember(ids.fooTypedef, 'b');
  assert.equal([bm?.offset, bm?.path.length], [8, 2]);
  assert.equal(btf.findMember(ids.foo, 'name')?.offset, 16);
  assert.is(btf.findMember(ids.foo, 'zz'), undefined);
  assert.is(btf.findMember(ids.int, 'a'), undefined);
});

parse('resolve, unqualified, sizeOf', () => {
  const { b, ids } = world();
  const btf = parseBtf(b.encode());
  assert.is(btf.resolve(ids.volatilePid), ids.int);
  assert.is(btf.unqualified(ids.volatilePid), ids.pidT);
  assert.is(btf.resolve(ids.userCharPtr), ids.userCharPtr); // a pointer is not skipped
  assert.is(btf.resolve(ids.tag), ids.char);
  assert.is(btf.resolve(ids.declTag), ids.doRead); // a decl_tag is skipped; a func is not
  assert.is(btf.resolve(0), 0);
  assert.is(btf.sizeOf(ids.charArr), 16);
  assert.is(btf.sizeOf(ids.cbArr), 32);
  assert.is(btf.sizeOf(ids.constFooPtr), 8);
  assert.is(btf.sizeOf(ids.volatilePid), 4);
  assert.is(btf.sizeOf(ids.wide), 8);
  assert.is(btf.sizeOf(ids.dbl), 8);
  assert.is(btf.sizeOf(0), undefined);
  assert.is(btf.sizeOf(ids.fwd), undefined);
  assert.is(btf.sizeOf(ids.printk), undefined);
});

parse('lookups are kind-aware; lowest id wins; C spellings', () => {
  const { b, ids } = world();
  const btf = parseBtf(b.encode());
  assert.is(btf.find('foo', 'struct'), ids.foo);
  assert.is(btf.find('foo', 'typedef'), ids.fooTypedef);
  assert.is(btf.find('foo'), ids.foo);
  assert.equal(btf.findAll('foo'), [ids.foo, ids.fooTypedef, ids.dupFoo]);
  assert.equal(btf.findAll('foo', ['struct']), [ids.foo, ids.dupFoo]);
  assert.is(btf.find('foo', 'union'), undefined);
  assert.is(btf.find('opaque', 'struct'), undefined);
  assert.is(btf.find('opaque', 'fwd'), ids.fwd);
  assert.is(btf.find('wide', 'enum'), ids.wide);
  assert.is(btf.find('fo'), undefined);
  assert.is(btf.find('fooo'), undefined);
  assert.is(btf.find(''), undefined);
  assert.is(btf.find('f\u0100o'), undefined);
  assert.is(btf.lookup('struct foo'), ids.foo);
  assert.is(btf.lookup(' struct   foo '), ids.foo);
  assert.is(btf.lookup('foo'), ids.fooTypedef);
  assert.is(btf.lookup('enum sign'), ids.sign);
  assert.is(btf.lookup('union foo'), undefined);
  assert.is(btf.lookup('pid_t'), ids.pidT);
  assert.is(btf.lookup('unsigned long'), ids.ulong);
  assert.is(btf.lookup('unsigned long int'), ids.ulong);
  assert.is(btf.lookup('int unsigned'), ids.uint);
  assert.is(btf.lookup('signed int'), ids.int);
  assert.is(btf.lookup('unsigned'), ids.uint);
  assert.is(btf.lookup('double'), ids.dbl);
  assert.is(btf.lookup('void'), 0);
  assert.is(btf.lookup('unsigned char'), undefined);
  assert.is(btf.lookup('legacy'), btf.find('legacy', 'struct'));
});

parse('intKey normalises C integer spellings', () => {
  assert.is(intKey('long unsigned int'), 'ulong');
  assert.is(intKey('unsigned long'), 'ulong');
  assert.is(intKey('long long int'), 'slonglong');
  assert.is(intKey('short unsigned int'), 'ushort');
  assert.is(intKey('char'), 'char');
  assert.is(intKey('signed char'), 'signed char');
  assert.is(intKey('__int128 unsigned'), 'u128');
  assert.is(intKey('unsigned signed'), undefined);
  assert.is(intKey('long long long'), undefined);
  assert.is(intKey('pid_t'), undefined);
});

parse('the name index finds each of many names (hash collisions, probe chains)', () => {
  const b = new Blob();
  const int = b.int('int', 4, 1);
  const ids: number[] = [];
  for (let i = 0; i < 3000; i++) ids.push(b.type(`n${i}`, i % 2 ? KIND.TYPEDEF : KIND.STRUCT, 0, i % 2 ? int : 0));
  const btf = parseBtf(b.encode());
  for (let i = 0; i < 3000; i++) {
    assert.is(btf.find(`n${i}`), ids[i]);
    assert.is(btf.find(`n${i}`, i % 2 ? 'struct' : 'typedef'), undefined);
  }
});

parse('FUNC names and the others are indexed apart: a name in both is found in id order', () => {
  const b = new Blob();
  const int = b.int('int', 4, 1);
  const proto = b.type('', KIND.FUNC_PROTO, 0, int);
  const funcFirst = b.type('both', KIND.FUNC, 0, proto);
  const struct = b.type('both', KIND.STRUCT, 0, 0);
  const funcLast = b.type('both', KIND.FUNC, 0, proto);
  const onlyFunc = b.type('only_func', KIND.FUNC, 0, proto);
  const btf = parseBtf(b.encode());
  assert.equal(btf.findAll('both'), [funcFirst, struct, funcLast]);
  assert.is(btf.find('both'), funcFirst);
  assert.is(btf.find('both', ['struct', 'func']), funcFirst);
  assert.is(btf.find('both', 'struct'), struct);
  assert.equal(btf.findAll('both', 'func'), [funcFirst, funcLast]);
  assert.is(btf.find('only_func', 'struct'), undefined);
  assert.is(btf.find('only_func'), onlyFunc);
  assert.is(btf.find('int', 'func'), undefined);
  assert.is(btf.find('int'), int);
});

parse('functions: signature, FUNC id, glob listing', () => {
  const { b, ids } = world();
  const btf = parseBtf(b.encode());
  assert.equal(btf.funcProto('do_read'), {
    name: 'do_read',
    id: ids.doRead,
    proto: ids.readProto,
    params: [
      { name: 'f', type: ids.fooPtr },
      { name: 'buf', type: ids.constCharPtr },
      { name: 'n', type: ids.ulong },
    ],
    ret: ids.ulong,
    variadic: false,
    linkage: 'static',
  });
  assert.is(btf.funcProto('foo'), undefined);
  assert.is(btf.funcProto('nope'), undefined);
  assert.equal(btf.funcNames('do_*'), ['do_read', 'do_readv']);
  assert.equal(btf.funcNames('*read?'), ['do_readv']);
  assert.equal(btf.funcNames('tcp_sendmsg'), ['tcp_sendmsg']);
  assert.equal(btf.funcNames('*.*'), []);
  assert.equal(btf.funcNames(), ['__probestub_foo_happened', 'do_read', 'do_readv', 'printk', 'tcp_sendmsg']);
});

parse('raw tracepoints: void * dropped, names from the probe stub, argN without one', () => {
  const { b, ids } = world();
  const btf = parseBtf(b.encode());
  assert.equal(btf.rawTracepointNames(), ['bar', 'foo_happened']);
  assert.equal(btf.rawTracepointNames('foo*'), ['foo_happened']);
  assert.equal(btf.rawTracepoint('foo_happened'), {
    name: 'foo_happened',
    id: ids.tpTypedef,
    params: [
      { name: 'urgent', type: ids.bool },
      { name: 'foo', type: ids.fooPtr },
    ],
  });
  assert.equal(btf.rawTracepointArgs('bar'), [
    { name: 'arg0', type: ids.bool },
    { name: 'arg1', type: ids.fooPtr },
  ]);
  assert.is(btf.rawTracepoint('nope'), undefined);
  assert.is(btf.rawTracepointArgs('nope'), undefined);
});

parse('C type names and declarations', () => {
  const { b, ids } = world();
  const btf = parseBtf(b.encode());
  const cases: [number, string, string][] = [
    [0, 'void', 'void x'],
    [ids.voidPtr, 'void *', 'void *x'],
    [ids.constCharPtr, 'const char *', 'const char *x'],
    [ids.charArr, 'char[16]', 'char x[16]'],
    [ids.arrPtr, 'char (*)[16]', 'char (*x)[16]'],
    [ids.cbPtr, 'int (*)(void *)', 'int (*x)(void *)'],
    [ids.cbArr, 'int (*[4])(void *)', 'int (*x[4])(void *)'],
    [ids.cb, 'int (void *)', 'int x(void *)'],
    [ids.printkProto, 'int (const char *fmt, ...)', 'int x(const char *fmt, ...)'],
    [ids.constFooPtr, 'struct foo *const', 'struct foo *const x'],
    [ids.volatilePid, 'volatile pid_t', 'volatile pid_t x'],
    [ids.restrictPtr, 'void *restrict', 'void *restrict x'],
    [ids.userCharPtr, 'char *', 'char *x'],
    [ids.anonUnion, 'union {...}', 'union {...} x'],
    [ids.fwd, 'union opaque', 'union opaque x'],
    [ids.sign, 'enum sign', 'enum sign x'],
    [ids.usign, 'enum {...}', 'enum {...} x'],
    [ids.fooTypedef, 'foo', 'foo x'],
    [ids.dbl, 'double', 'double x'],
    [ids.tpTypedef, 'btf_trace_foo_happened', 'btf_trace_foo_happened x'],
  ];
  for (const [id, name, decl] of cases) {
    assert.is(btf.typeName(id), name);
    assert.is(btf.declaration(id, 'x'), decl);
  }
  assert.is(btf.typeName(ids.doRead), 'long unsigned int do_read(struct foo *f, const char *buf, long unsigned int n)');
  assert.is(btf.typeName(ids.counter), 'long unsigned int counter');
});

parse('C definitions, with and without offsets', () => {
  const { b, ids } = world();
  const btf = parseBtf(b.encode());
  assert.is(
    btf.definition(ids.foo),
    [
      'struct foo {',
      '\tvolatile pid_t a;',
      // the union (4-byte aligned) is at 8: a padding member says so, as bpftool's header does
      '\tlong: 0;',
      '\tunion {',
      '\t\tunsigned int b;',
      '\t\tstruct {',
      '\t\t\tchar c;',
      '\t\t\tunsigned int d: 3;',
      '\t\t\tunsigned int e: 5;',
      '\t\t};',
      '\t};',
      '\tchar name[16];',
      '};',
    ].join('\n'),
  );
  assert.is(
    btf.definition(ids.foo, { offsets: true }),
    [
      'struct foo {',
      '\tvolatile pid_t a; /* 0 4 */',
      '\tunion {',
      '\t\tunsigned int b; /* 8 4 */',
      '\t\tstruct {',
      '\t\t\tchar c; /* 8 1 */',
      '\t\t\tunsigned int d: 3; /* 12:0 */',
      '\t\t\tunsigned int e: 5; /* 12:3 */',
      '\t\t}; /* 8 8 */',
      '\t}; /* 8 8 */',
      '\tchar name[16]; /* 16 16 */',
      '};',
    ].join('\n'),
  );
  assert.is(btf.definition(ids.sign), 'enum sign {\n\tNEG = -1,\n\tPOS = 7,\n};');
  assert.is(btf.definition(ids.fooTypedef), 'typedef struct foo foo;');
  assert.is(btf.definition(ids.printk), 'int printk(const char *fmt, ...);');
  assert.is(btf.definition(ids.fwd), 'union opaque;');
  assert.is(btf.definition(ids.counter), 'long unsigned int counter;');
  assert.is(btf.definition(ids.cbPtr), 'int (*)(void *)');
});

parse('C definitions: anonymous types inline wherever they appear; array qualifiers written once', () => {
  const b = new Blob();
  const int = b.int('int', 4, 1);
  const char = b.int('char', 1, 2);
  const constChar = b.type('', KIND.CONST, 0, char);
  const arr = b.type('', KIND.ARRAY, 0, 0, [constChar, int, 8]);
  const constArr = b.type('', KIND.CONST, 0, arr); // const (const char)[8], as gcc may emit it
  const pair = b.type('', KIND.STRUCT, 2, 8, [b.str('k'), int, 0, b.str('v'), int, 32]);
  const pairs = b.type('', KIND.ARRAY, 0, 0, [pair, int, 2]);
  const pairPtr = b.type('', KIND.PTR, 0, pair);
  const color = b.type('', KIND.ENUM, 1, 4, [b.str('RED'), 0]);
  const empty = b.type('', KIND.STRUCT, 0, 0);
  const s = b.type('s', KIND.STRUCT, 5, 48, [
    b.str('name'),
    constArr,
    0,
    b.str('pairs'),
    pairs,
    64,
    b.str('cur'),
    pairPtr,
    192,
    b.str('color'),
    color,
    256,
    b.str('nothing'),
    empty,
    288,
  ]);
  const anonTd = b.type('pair_t', KIND.TYPEDEF, 0, pair);
  const btf = parseBtf(b.encode());
  assert.is(
    btf.definition(s),
    [
      'struct s {',
      '\tconst char name[8];',
      '\tstruct {',
      '\t\tint k;',
      '\t\tint v;',
      '\t} pairs[2];',
      '\tstruct {',
      '\t\tint k;',
      '\t\tint v;',
      '\t} *cur;',
      '\tenum {',
      '\t\tRED = 0,',
      '\t} color;',
      '\tstruct {} nothing;',
      // 48 bytes, the last member ends at 36: padding up to the size
      '\tlong: 64;',
      '};',
    ].join('\n'),
  );
  assert.is(btf.typeName(constArr), 'const char[8]');
  assert.is(btf.typeName(pairs), 'struct {...}[2]');
  assert.is(btf.definition(anonTd), 'typedef struct {\n\tint k;\n\tint v;\n} pair_t;');
  assert.is(btf.definition(empty), 'struct {};');
});

parse('split BTF: ids and string offsets continue after the base', () => {
  const { b: baseBlob, ids } = world();
  const base = parseBtf(baseBlob.encode(), { source: 'vmlinux' });
  const m = new Blob({ types: base.typeCount, strLen: baseBlob.stringsLength });
  const modStruct = m.type('mod_thing', KIND.STRUCT, 2, 16, [
    m.str('owner'),
    ids.fooPtr,
    0,
    m.str('name'),
    ids.constCharPtr,
    64,
  ]);
  const modPtr = m.type('', KIND.PTR, 0, modStruct);
  const proto = m.type('', KIND.FUNC_PROTO, 1, ids.int, [m.str('t'), modPtr]);
  const modFunc = m.type('mod_init', KIND.FUNC, 0, proto);
  const shadow = m.type('printk', KIND.FUNC, 0, proto); // a module function named like a vmlinux one
  const mod = parseBtf(m.encode(), { base, source: 'mymod' });
  assert.is(mod.firstId, base.typeCount);
  assert.is(modStruct, base.typeCount);
  assert.is(mod.typeCount, m.typeCount);
  assert.is(mod.name(modStruct), 'mod_thing');
  assert.is(mod.name(ids.foo), 'foo');
  assert.is(mod.type(ids.foo), base.type(ids.foo));
  assert.is(mod.find('mod_thing', 'struct'), modStruct);
  assert.is(mod.find('foo', 'struct'), ids.foo);
  assert.is(mod.find('printk', 'func'), ids.printk);
  assert.equal(mod.findAll('printk', 'func'), [ids.printk, shadow]);
  assert.is(base.find('mod_thing'), undefined);
  assert.is(mod.lookup('unsigned long'), ids.ulong);
  assert.equal(mod.funcNames(), ['mod_init', 'printk']);
  assert.is(mod.funcProto('mod_init')?.id, modFunc);
  assert.is(mod.typeName(modFunc), 'int mod_init(struct mod_thing *t)');
  assert.is(mod.definition(modStruct), 'struct mod_thing {\n\tstruct foo *owner;\n\tconst char *name;\n};');
  assert.is(mod.findMember(modStruct, 'name')?.offset, 8);
  assert.is(mod.sizeOf(modPtr), 8);
  assert.throws(() => mod.type(m.typeCount), /mymod: type id \d+ out of range/);
});

parse('malformed blobs throw BtfError with a reason', () => {
  const good = world().b.encode();
  const bad = (mutate: (b: Uint8Array, v: DataView) => void, re: RegExp) => {
    const b = good.slice();
    mutate(b, new DataView(b.buffer));
    try {
      parseBtf(b, { source: 'test' });
    } catch (err) {
      assert.instance(err, BtfError);
      assert.match((err as Error).message, re);
      return;
    }
    assert.unreachable(`parsed: expected ${re}`);
  };
  bad((_, v) => v.setUint16(0, 0x1234, true), /^test: bad magic 0x1234/);
  bad((_, v) => v.setUint16(0, 0x9feb, true), /big-endian/);
  bad((b) => (b[2] = 2), /version 2/);
  bad((_, v) => v.setUint32(4, 8, true), /header length/);
  bad((_, v) => v.setUint32(12, v.getUint32(12, true) + 4096, true), /out of bounds/);
  bad((_, v) => v.setUint32(12, v.getUint32(12, true) - 4, true), /truncated/);
  bad((_, v) => v.setUint32(24 + 4, 25 << 24, true), /type 1 has unknown kind 25/);
  bad((b, v) => (b[v.getUint32(16, true) + 24] = 65), /empty string/);
  assert.throws(() => parseBtf(good.subarray(0, 10)), /too short/);
  // a name offset past the string section fails when the name is read, not at load
  const b = good.slice();
  new DataView(b.buffer).setUint32(24, 0xfffff, true);
  const btf = parseBtf(b);
  assert.throws(() => btf.name(1), /out of bounds/);
});

parse.run();
