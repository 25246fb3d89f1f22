// The C declaration layer without kernel BTF: what parses, what a script gets wrong (exact diagnostics,
// rendered as the CLI shows them), what a header may hold that is skipped, and the types produced.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderDiagnostics } from '../../../lang/diagnostics.ts';
import { sourceFile, span } from '../../../lang/source.ts';
import { parseCDeclarations, type CParseOptions } from '../../../lang/c/declarations.ts';
import { withScriptTypes } from '../../../lang/c/script-btf.ts';

function load(text: string, options: CParseOptions = {}) {
  const file = sourceFile('stdin', text);
  const parsed = parseCDeclarations(file, options);
  const { types, diagnostics } = withScriptTypes(undefined, parsed.declarations);
  return { types, parsed, errors: renderDiagnostics([...parsed.diagnostics, ...diagnostics]) };
}

function errorsOf(text: string, options: CParseOptions = {}): string {
  return load(text, options).errors;
}

// ---- what parses, and the types it makes -------------------------------------------------------

test('a script definition without a trailing semicolon, followed by another (bpftrace adds the `;`)', () => {
  const { types, errors } = load('struct Foo { int m; int n; }\nstruct Bar { struct Foo f; char c; }');
  assert.is(errors, '');
  assert.is(types.sizeOf(types.lookup('struct Foo')!), 8);
  assert.is(types.sizeOf(types.lookup('struct Bar')!), 12);
});

test('the last member may omit its `;` (gcc and clang accept it; bpftrace tests write `struct x {unsigned long x};`)', () => {
  const { types, errors } = load('struct x {unsigned long x};');
  assert.is(errors, '');
  assert.is(types.sizeOf(types.lookup('struct x')!), 8);
});

test('ids continue after the base (1 without one); builtin ints are made once, with the names BTF uses', () => {
  const { types } = load('struct A { unsigned x; unsigned int y; long z; }');
  assert.is(types.firstId, 1);
  const a = types.lookup('struct A')!;
  assert.ok(a >= 1 && a < types.typeCount);
  const [x, y, z] = types.members(a)!;
  assert.is(x!.type, y!.type);
  assert.is(types.typeName(x!.type), 'unsigned int');
  assert.is(types.typeName(z!.type), 'long int');
  assert.is(types.lookup('unsigned'), x!.type);
});

test('declarators: arrays of pointers, pointers to arrays, function pointers, typedefs of them', () => {
  const { types, errors } = load(`
    typedef int (*cmp_t)(const void *, const void *);
    typedef char name_t[16];
    typedef struct node node_t;
    struct node { node_t *next; name_t name; cmp_t cmp; int *ptrs[4]; int (*rows)[8]; char grid[2][3][4]; void (*handlers[2])(int sig, ...); };
  `);
  assert.is(errors, '');
  const s = types.lookup('struct node')!;
  assert.is(
    types.definition(s, { offsets: true }),
    [
      'struct node {',
      '\tnode_t *next; /* 0 8 */',
      '\tname_t name; /* 8 16 */',
      '\tcmp_t cmp; /* 24 8 */',
      '\tint *ptrs[4]; /* 32 32 */',
      '\tint (*rows)[8]; /* 64 8 */',
      '\tchar grid[2][3][4]; /* 72 24 */',
      '\tvoid (*handlers[2])(int sig, ...); /* 96 16 */',
      '};',
    ].join('\n'),
  );
  assert.is(types.definition(types.lookup('cmp_t')!), 'typedef int (*cmp_t)(const void *, const void *);');
  assert.is(types.sizeOf(types.lookup('name_t')!), 16);
});

test('bitfields, anonymous members and attributes keep their layout in definition()', () => {
  const { types, errors } = load(`
    struct flags { unsigned int a:4, b:8; int :3; unsigned char c:1; union { int i; struct { short lo, hi; }; }; } __attribute__((aligned(16)));
  `);
  assert.is(errors, '');
  const id = types.lookup('struct flags')!;
  assert.is(
    types.definition(id, { offsets: true }),
    [
      'struct flags {',
      '\tunsigned int a: 4; /* 0:0 */',
      '\tunsigned int b: 8; /* 0:4 */',
      '\tunsigned char c: 1; /* 1:7 */',
      '\tunion {',
      '\t\tint i; /* 4 4 */',
      '\t\tstruct {',
      '\t\t\tshort int lo; /* 4 2 */',
      '\t\t\tshort int hi; /* 6 2 */',
      '\t\t}; /* 4 4 */',
      '\t}; /* 4 4 */',
      '};',
    ].join('\n'),
  );
  assert.is(types.sizeOf(id), 16);
  assert.is(types.alignOf(id), 16);
  assert.equal(types.findMember(id, 'hi'), {
    member: types.members(types.members(types.members(id)![3]!.type)![1]!.type)![1]!,
    offset: 6,
    bitOffset: 48,
    path: [
      types.members(id)![3]!,
      types.members(types.members(id)![3]!.type)![1]!,
      types.members(types.members(types.members(id)![3]!.type)![1]!.type)![1]!,
    ],
  });
});

test('enums: explicit values, constant expressions with sizeof, the values after them, and their sizes', () => {
  const { types, errors } = load(`
    struct pair { int a; long b; };
    enum e { A = 3, B, C = sizeof(struct pair) * 2 + (1 << 4), D = -1, E = C ? 7 : 8, F = (unsigned char)300, G = 'x' };
    enum big { HUGE = 0x100000000ULL };
    enum __attribute__((packed)) tiny { T0, T1 = 200 };
    struct uses { char buf[C]; enum tiny t; };
  `);
  assert.is(errors, '');
  assert.equal(
    (types.type(types.lookup('enum e')!) as { values: unknown }).values,
    [
      ['A', 3n],
      ['B', 4n],
      ['C', 48n],
      ['D', -1n],
      ['E', 7n],
      ['F', 44n],
      ['G', 120n],
    ].map(([name, value]) => ({ name, value })),
  );
  assert.equal(types.enumerator('C'), { enumId: types.lookup('enum e')!, value: 48n });
  assert.is(types.sizeOf(types.lookup('enum e')!), 4);
  assert.is(types.sizeOf(types.lookup('enum big')!), 8);
  assert.is(types.sizeOf(types.lookup('enum tiny')!), 1);
  assert.is(types.sizeOf(types.lookup('struct uses')!), 49);
});

test('kernel-style and stdint typedef names mean their C types when there is no base BTF', () => {
  const { types, errors } = load('struct k { u8 a; __u16 b; s32 c; u64 d; uint64_t e; size_t f; pid_t g; bool h; }');
  assert.is(errors, '');
  const m = types.members(types.lookup('struct k')!)!;
  assert.equal(
    m.map((x) => `${types.typeName(x.type)}=${types.typeName(types.resolve(x.type))}@${x.offset}`),
    [
      'u8=unsigned char@0',
      '__u16=short unsigned int@2',
      's32=int@4',
      'u64=long long unsigned int@8',
      'uint64_t=long unsigned int@16',
      'size_t=long unsigned int@24',
      'pid_t=int@32',
      'bool=_Bool@36',
    ],
  );
});

test('definitionSpan: where each script type was defined', () => {
  const text = 'struct A { int a; };\ntypedef struct A A_t;\nenum E { X };';
  const { types } = load(text);
  const at = (id: number) => {
    const s = types.definitionSpan(id)!;
    return text.slice(s.start, s.end);
  };
  assert.is(at(types.lookup('struct A')!), 'struct A { int a; }');
  assert.is(at(types.lookup('A_t')!), 'A_t');
  assert.is(at(types.lookup('enum E')!), 'enum E { X }');
});

test('a forward declaration and its later definition are one type; a self reference is a pointer to it', () => {
  const { types, errors } = load(
    'struct later; struct user { struct later *p; }; struct later { long x; }; struct list { struct list *next; };',
  );
  assert.is(errors, '');
  const later = types.lookup('struct later')!;
  const user = types.members(types.lookup('struct user')!)![0]!;
  assert.is((types.type(user.type) as { target: number }).target, later);
  assert.is(types.kind(later), 'struct');
  const list = types.lookup('struct list')!;
  assert.is((types.type(types.members(list)![0]!.type) as { target: number }).target, list);
});

test('a header: prototypes, inline bodies, extern variables, asm labels, __extension__ and _Static_assert are skipped', () => {
  const { types, errors, parsed } = load(
    `
    # 1 "/usr/include/x.h" 1 3 4
    extern int printf(const char *__restrict __format, ...) __attribute__((__format__(__printf__, 1, 2)));
    extern int rename_it(const char *a) __asm__("" "rename64") __attribute__((__nothrow__));
    static inline __attribute__((always_inline)) int twice(int x) { if (x) { return x * 2; } return 0; }
    __extension__ typedef long long int __quad_t;
    extern struct opaque *global_thing;
    int counter = { 3 };
    _Static_assert(sizeof(int) == 4, "int");
    typedef __builtin_va_list __gnuc_va_list;
    typedef __gnuc_va_list va_list;
    struct kept { __quad_t q; int (*fn)(int); };
    `,
    { mode: 'header' },
  );
  assert.is(errors, '');
  assert.is(types.sizeOf(types.lookup('struct kept')!), 16);
  assert.is(types.lookup('va_list'), undefined, 'an unusable header typedef is dropped');
  assert.ok(parsed.typedefNames.has('__quad_t'));
});

test('spans come from the caller: a preprocessor maps its output back to the file it read', () => {
  const header = sourceFile('/usr/include/foo.h', 'line one\nstruct s { int x:40; };\n');
  const out = sourceFile('<preprocessed>', 'struct s { int x:40; };');
  const parsed = parseCDeclarations(out, { spanOf: (s, e) => span(header, s + 9, e + 9) });
  const { diagnostics } = withScriptTypes(undefined, parsed.declarations);
  assert.is(
    renderDiagnostics(diagnostics),
    [
      "/usr/include/foo.h:2:18-20: ERROR: width of bit-field 'x' (40 bits) exceeds the width of its type (32 bits)",
      'struct s { int x:40; };',
      '                 ~~',
      '',
    ].join('\n'),
  );
});

test('identifiers that are Object.prototype names are plain names', () => {
  const { types, errors } = load(
    'struct constructor { int toString; long valueOf; }; typedef struct constructor hasOwnProperty;',
  );
  assert.is(errors, '');
  assert.is(types.sizeOf(types.lookup('hasOwnProperty')!), 16);
  assert.equal(
    types.members(types.lookup('struct constructor')!)!.map((m) => m.name),
    ['toString', 'valueOf'],
  );
});

test('mode(QI/HI/SI/DI) typedefs, as glibc writes int8_t and friends in old headers', () => {
  const { types, errors } = load(
    'typedef int i8 __attribute__((__mode__(__QI__))); typedef unsigned int u16m __attribute__((mode(HI))); struct m { i8 a; u16m b; };',
  );
  assert.is(errors, '');
  const [a, b] = types.members(types.lookup('struct m')!)!;
  assert.is(types.sizeOf(a!.type), 1);
  assert.is(types.sizeOf(b!.type), 2);
  assert.is(b!.offset, 2);
});

// ---- mistakes: exact diagnostics ----------------------------------------------------------------

const MISTAKES: [string, string, string][] = [
  [
    'a missing ; between members',
    'struct Foo { int x int y; }',
    "stdin:1:20-23: ERROR: expected ';' at the end of the member declaration, found 'int'\nstruct Foo { int x int y; }\n                   ~~~\nHINT: each member ends with ';'\n",
  ],
  [
    'an unknown type name',
    'struct Foo { foo_t x; }',
    "stdin:1:14-19: ERROR: unknown type name 'foo_t'\nstruct Foo { foo_t x; }\n             ~~~~~\nHINT: declare it first (typedef, struct, union or enum), or include the header that does\n",
  ],
  [
    'a bitfield wider than its type',
    'struct A { int a:33; }',
    "stdin:1:18-20: ERROR: width of bit-field 'a' (33 bits) exceeds the width of its type (32 bits)\nstruct A { int a:33; }\n                 ~~\n",
  ],
  [
    'a named bitfield of width 0',
    'struct A { int a:0; }',
    "stdin:1:18-19: ERROR: named bit-field 'a' has zero width\nstruct A { int a:0; }\n                 ~\nHINT: an unnamed `int :0;` starts the next unit\n",
  ],
  [
    'a bitfield of a non-integer type',
    'struct A { char *p:3; }',
    "stdin:1:18-19: ERROR: bit-field 'p' has type 'char *', not an integer type\nstruct A { char *p:3; }\n                 ~\n",
  ],
  [
    'a struct defined twice',
    'struct A { int a; }; struct A { int b; };',
    "stdin:1:22-41: ERROR: redefinition of 'struct A'\nstruct A { int a; }; struct A { int b; };\n                     ~~~~~~~~~~~~~~~~~~~\nHINT: each struct, union and enum is defined once\n",
  ],
  [
    'a member of an incomplete type',
    'struct A { struct Nope n; }',
    "stdin:1:24-25: ERROR: member 'n' has incomplete type 'struct Nope'\nstruct A { struct Nope n; }\n                       ~\nHINT: define struct Nope before it is used by value, or use a pointer\n",
  ],
  [
    'a flexible array member before the end',
    'struct A { int n; char d[]; int m; }',
    "stdin:1:24-25: ERROR: flexible array member 'd' is not at the end of the struct\nstruct A { int n; char d[]; int m; }\n                       ~\nHINT: only the last member of a struct may be `T name[]`\n",
  ],
  [
    'a duplicate member',
    'struct A { int n; long n; }',
    "stdin:1:24-25: ERROR: duplicate member 'n'\nstruct A { int n; long n; }\n                       ~\n",
  ],
  [
    'an alignment that is not a power of 2',
    'struct A { int n; } __attribute__((aligned(3)));',
    'stdin:1:44-45: ERROR: requested alignment 3 is not a positive power of 2\nstruct A { int n; } __attribute__((aligned(3)));\n                                           ~\n',
  ],
  [
    'an array size that is not a constant',
    'struct A { char buf[LEN]; }',
    "stdin:1:21-24: ERROR: 'LEN' is not a constant\nstruct A { char buf[LEN]; }\n                    ~~~\nHINT: array sizes, bit-field widths and enumerator values need integer constants or enumerators\n",
  ],
  [
    'a negative array size',
    'struct A { char buf[2 - 3]; }',
    "stdin:1:21-26: ERROR: array 'buf' has a negative size (-1)\nstruct A { char buf[2 - 3]; }\n                    ~~~~~\n",
  ],
  [
    'division by zero in an enumerator',
    'enum E { X = 1 / 0 };',
    'stdin:1:18-19: ERROR: division by zero in a constant expression\nenum E { X = 1 / 0 };\n                 ~\n',
  ],
  [
    'signed and unsigned together',
    'struct A { signed unsigned int x; }',
    "stdin:1:12-31: ERROR: invalid type 'signed unsigned int': both 'signed' and 'unsigned'\nstruct A { signed unsigned int x; }\n           ~~~~~~~~~~~~~~~~~~~\n",
  ],
  [
    'a struct used as a union',
    'struct A { int a; }; struct B { union A *p; };',
    "stdin:1:33-40: ERROR: 'A' defined as a struct, used as a union\nstruct A { int a; }; struct B { union A *p; };\n                                ~~~~~~~\n",
  ],
  [
    'a conflicting typedef',
    'typedef int t; typedef long t;',
    "stdin:1:29-30: ERROR: conflicting types for typedef 't'\ntypedef int t; typedef long t;\n                            ~\nHINT: 't' is already 'int'\n",
  ],
  [
    'an unterminated struct',
    'struct A { int a;',
    "stdin:1:18-18: ERROR: expected '}' to end struct A, found the end of the declarations\nstruct A { int a;\n                 ~\n",
  ],
  [
    'an unexpanded preprocessor directive',
    '#define X 3\nstruct A { int a; };',
    "stdin:1:1-12: ERROR: preprocessor directive '#define' was not expanded\n#define X 3\n~~~~~~~~~~~\n",
  ],
];

for (const [name, text, expected] of MISTAKES) {
  test(`mistake: ${name}`, () => {
    assert.fixture(errorsOf(text), expected);
  });
}

test('after a mistake the declarations that follow are still read and usable', () => {
  const { types, errors } = load('struct A { int x int w; }; struct B { int y:99; int z; }; struct C { long c; };');
  assert.ok(errors.includes("expected ';'") && errors.includes('exceeds the width'), errors);
  assert.is(types.sizeOf(types.lookup('struct C')!), 8);
  assert.is(types.findMember(types.lookup('struct B')!, 'z')?.offset, 0, 'the bad bitfield is left out');
});

test('a header skips what it cannot parse (kept in `skipped`), and reads on', () => {
  const text =
    'typedef typeof(int) weird_t; typedef int v4si __attribute__((vector_size(16))); struct ok { int a; }; int f(void) { return ({ 1; }); }';
  const { types, errors, parsed } = load(text, { mode: 'header' });
  assert.is(errors, '');
  assert.is(
    renderDiagnostics(parsed.skipped).split('\n')[0],
    "stdin:1:9-15: ERROR: 'typeof' is not supported in declarations",
  );
  assert.is(types.sizeOf(types.lookup('struct ok')!), 4);
  assert.is(types.lookup('v4si'), undefined, 'a vector type is not mistaken for an int');
  assert.ok(load(text).errors.includes("'typeof' is not supported"), 'a script reports it');
});

test('modeAt: one preprocessed text, header parts quiet and script parts reported', () => {
  const header = 'typedef typeof(int) quiet_t; struct h { int a; };\n';
  const script = 'struct s { struct h h; int b:40; }';
  const { errors, types } = load(header + script, {
    modeAt: (offset) => (offset < header.length ? 'header' : 'script'),
  });
  assert.is(
    errors.split('\n')[0],
    "stdin:2:30-32: ERROR: width of bit-field 'b' (40 bits) exceeds the width of its type (32 bits)",
  );
  assert.is(errors.includes('typeof'), false);
  assert.is(types.sizeOf(types.lookup('struct s')!), 4);
});

test('a header never reports what it cannot use; the same text in a script does', () => {
  const text = 'typedef struct unknown_t *handle_t; struct bad { struct nowhere n; }; typedef mystery_t other_t;';
  assert.is(errorsOf(text, { mode: 'header' }), '');
  assert.ok(errorsOf(text).includes("member 'n' has incomplete type 'struct nowhere'"));
});

test('random token soup never throws: every outcome is types or diagnostics', () => {
  const vocab = [
    'struct',
    'union',
    'enum',
    'typedef',
    'int',
    'char',
    'unsigned',
    'long',
    'A',
    'B',
    'x',
    'y',
    '{',
    '}',
    '(',
    ')',
    '[',
    ']',
    ';',
    ',',
    ':',
    '*',
    '=',
    '1',
    '0',
    '-',
    '<<',
    'sizeof',
    '__attribute__',
    '((packed))',
    'aligned',
    'const',
    '...',
    '?',
    '#',
    '"s"',
    "'c'",
    '/*',
    '//',
    '\n',
    'static',
    '__asm__',
    'u32',
    'void',
  ];
  let seed = 12345;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  for (let round = 0; round < 400; round++) {
    const words = Array.from({ length: 1 + rand(40) }, () => vocab[rand(vocab.length)]!);
    const text = words.join(' ');
    for (const mode of ['script', 'header'] as const) {
      try {
        load(text, { mode });
      } catch (e) {
        assert.unreachable(`${mode} threw on ${JSON.stringify(text)}: ${(e as Error).stack}`);
      }
    }
  }
});

test.run();
