import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diagnose } from '../helpers/pipeline.ts';

const cases: [string, string, string][] = [
  [
    'unknown function suggests the closest name',
    'BEGIN { @x = cuont(); }',
    "stdin:1:14-19: ERROR: unknown function 'cuont'\nBEGIN { @x = cuont(); }\n             ~~~~~\nHINT: did you mean 'count'?\n",
  ],
  [
    'unknown identifier suggests a builtin',
    'BEGIN { @x = pdi; }',
    "stdin:1:14-17: ERROR: unknown identifier 'pdi'\nBEGIN { @x = pdi; }\n             ~~~\nHINT: did you mean 'pid'?\n",
  ],
  [
    'unknown probe type suggests the closest provider',
    'tracepiont:syscalls:sys_enter_mkdir { }',
    "stdin:1:1-36: ERROR: unknown probe type 'tracepiont'\ntracepiont:syscalls:sys_enter_mkdir { }\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\nHINT: did you mean 'tracepoint'?\n",
  ],
  [
    'unknown tracepoint suggests a near one',
    'tracepoint:syscalls:sys_enter_mkdr { }',
    'stdin:1:1-35: ERROR: No matches for tracepoint syscalls:sys_enter_mkdr.\ntracepoint:syscalls:sys_enter_mkdr { }\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\nHINT: unknown tracepoint syscalls:sys_enter_mkdr\nHINT: did you mean \'tracepoint:syscalls:sys_enter_mkdir\'?\nHINT: config = { missing_probes = "warn" } goes on without it\n',
  ],
  [
    'aggregation must be assigned to a map',
    'BEGIN { $x = count(); }',
    'stdin:1:14-21: ERROR: count() must be assigned directly to a map\nBEGIN { $x = count(); }\n             ~~~~~~~\nHINT: for example: @x = count()\n',
  ],
  [
    'wrong arity names the usage',
    'BEGIN { @x = sum(); }',
    'stdin:1:14-19: ERROR: sum() requires one argument (0 provided)\nBEGIN { @x = sum(); }\n             ~~~~~\nHINT: usage: sum(int n)\n',
  ],
  [
    'a map holding two kinds of value points at both uses',
    'BEGIN { @x = count(); }\nEND { @x = 5; }',
    'stdin:2:12-13: ERROR: @x is assigned int64 here but holds count() elsewhere\nEND { @x = 5; }\n           ~\nstdin:1:14-21: NOTE: @x first assigned here\nBEGIN { @x = count(); }\n             ~~~~~~~\n',
  ],
  [
    'a map used with different key counts points at both uses',
    'BEGIN { @x[1] = 1; @x[1, 2] = 2; }',
    'stdin:1:20-28: ERROR: @x used with 2 keys here but 1 elsewhere\nBEGIN { @x[1] = 1; @x[1, 2] = 2; }\n                   ~~~~~~~~\nstdin:1:9-14: NOTE: @x first used here\nBEGIN { @x[1] = 1; @x[1, 2] = 2; }\n        ~~~~~\n',
  ],
  [
    // bpftrace 0.17 and v0.26 (type_resolver.cpp) refuse it; scry read it as a huge computed length (the whole string)
    'str() of a negative length',
    'BEGIN { @s = str(0, -1); }',
    'stdin:1:21-23: ERROR: str() cannot use a negative length (-1)\nBEGIN { @s = str(0, -1); }\n                    ~~\n',
  ],
  [
    // bpftrace 0.17 and v0.26 (parser.cpp) refuse it; scry printed 0
    '$0 is no positional parameter',
    'BEGIN { @x = $0; }',
    'stdin:1:14-16: ERROR: the positional parameter is out of integer range [1, 9223372036854775807]\nBEGIN { @x = $0; }\n             ~~\nHINT: $1 is the first argument after the program; $# is how many there are\n',
  ],
  [
    'printf argument count must match the format',
    'BEGIN { printf("%d %d\\n", 1); }',
    'stdin:1:9-29: ERROR: printf() format has 2 conversions but 1 argument follows\nBEGIN { printf("%d %d\\n", 1); }\n        ~~~~~~~~~~~~~~~~~~~~\n',
  ],
  [
    'printf %d with a tuple points at the argument (%s takes any value, as in bpftrace v0.26)',
    'BEGIN { printf("%d\\n", (1, 2)); }',
    'stdin:1:24-30: ERROR: %d needs an integer, got (int8, int8)\nBEGIN { printf("%d\\n", (1, 2)); }\n                       ~~~~~~\n',
  ],
  [
    'undefined variable',
    'BEGIN { @x = $y; }',
    'stdin:1:14-16: ERROR: Undefined or undeclared variable: $y\nBEGIN { @x = $y; }\n             ~~\nHINT: assign it first: $y = …\n',
  ],
  [
    'several errors are all reported',
    'BEGIN { @a = foo(); @b = bar; }',
    "stdin:1:14-17: ERROR: unknown function 'foo'\nBEGIN { @a = foo(); @b = bar; }\n             ~~~\nstdin:1:26-29: ERROR: unknown identifier 'bar'\nBEGIN { @a = foo(); @b = bar; }\n                         ~~~\n",
  ],
  [
    'interval needs a known unit',
    'interval:m:1 { }',
    "stdin:1:1-13: ERROR: invalid interval unit 'm'\ninterval:m:1 { }\n~~~~~~~~~~~~\nHINT: the form is interval:s|ms|us|hz:N, or interval:N with a unit (ns us ms s m h d hz; none: nanoseconds)\n",
  ],
  [
    'interval and profile take a joined duration too (bpftrace v0.26: interval:1s), with a known unit',
    'interval:1x { }',
    "stdin:1:1-12: ERROR: invalid interval rate '1x': invalid suffix 'x' on integer literal '1x'\ninterval:1x { }\n~~~~~~~~~~~\nHINT: the form is interval:s|ms|us|hz:N, or interval:N with a unit (ns us ms s m h d hz; none: nanoseconds)\n",
  ],
  [
    'BEGIN takes no arguments',
    'BEGIN:x { }',
    'stdin:1:1-8: ERROR: BEGIN takes no arguments\nBEGIN:x { }\n~~~~~~~\nHINT: the form is BEGIN\n',
  ],
  [
    'builtins that belong to other probe types are refused',
    'BEGIN { @x = retval; }',
    'stdin:1:14-20: ERROR: retval is not available in BEGIN probes\nBEGIN { @x = retval; }\n             ~~~~~~\nHINT: retval (the return value of the traced function) exists only in kretprobe, uretprobe and fexit probes\n',
  ],
  [
    'args outside tracepoints',
    'BEGIN { @x = args->foo; }',
    'stdin:1:14-18: ERROR: args is only available in tracepoint probes here\nBEGIN { @x = args->foo; }\n             ~~~~\nHINT: this probe is BEGIN\n',
  ],
  [
    'a common field is refused, as bpftrace does (tracepoint programs cannot read the first 8 bytes of the record)',
    'tracepoint:syscalls:sys_enter_mkdir { @x = args->common_pid; }',
    'stdin:1:44-60: ERROR: BPF does not support accessing common tracepoint fields\ntracepoint:syscalls:sys_enter_mkdir { @x = args->common_pid; }\n                                           ~~~~~~~~~~~~~~~~\nHINT: the task that made the event: pid (and tid)\n',
  ],
  [
    'an unknown tracepoint field suggests the closest',
    'tracepoint:syscalls:sys_enter_mkdir { @x = args->pathnme; }',
    "stdin:1:50-57: ERROR: tracepoint syscalls:sys_enter_mkdir has no field 'pathnme'\ntracepoint:syscalls:sys_enter_mkdir { @x = args->pathnme; }\n                                                 ~~~~~~~\nHINT: did you mean 'pathname'?\n",
  ],
  [
    'break outside a loop',
    'BEGIN { break; }',
    'stdin:1:9-14: ERROR: break outside of a loop\nBEGIN { break; }\n        ~~~~~\n',
  ],
  [
    'unroll bounds',
    'BEGIN { unroll(101) { @x++; } }',
    'stdin:1:16-19: ERROR: unroll maximum value is 100, got 101\nBEGIN { unroll(101) { @x++; } }\n               ~~~\nHINT: use a while loop for more\n',
  ],
  [
    'strings and integers do not compare',
    'BEGIN { if (comm == 1) { exit(); } }',
    'stdin:1:18-20: ERROR: cannot compare string[16] with int64\nBEGIN { if (comm == 1) { exit(); } }\n                 ~~\n',
  ],
  [
    'a variable keeps its kind',
    'BEGIN { $x = 1; $x = "a"; }',
    'stdin:1:22-25: ERROR: $x holds int64, cannot assign string[2]\nBEGIN { $x = 1; $x = "a"; }\n                     ~~~\n',
  ],
  [
    'unknown config settings suggest the closest',
    'config = { max_strlne = 10 } BEGIN { }',
    "stdin:1:12-27: ERROR: max_strlne: not a known configuration option\nconfig = { max_strlne = 10 } BEGIN { }\n           ~~~~~~~~~~~~~~~\nHINT: did you mean 'max_strlen'?\n",
  ],
  [
    'a map that is only ever read reads 0, with a warning (bpftrace v0.26 type_checker undefined_map)',
    'BEGIN { @x = 1; printf("%d\\n", @y); }',
    'stdin:1:32-34: WARNING: @y is read but never assigned a value: it reads as 0\nBEGIN { @x = 1; printf("%d\\n", @y); }\n                               ~~\nHINT: did you mean @x?\n',
  ],
  [
    'a map never assigned given whole to a function or a loop is undefined',
    'BEGIN { @x = 1; for ($kv : @y) { } }',
    'stdin:1:28-30: ERROR: @y is never assigned a value\nBEGIN { @x = 1; for ($kv : @y) { } }\n                           ~~\nHINT: assign to @y somewhere, e.g. @y[1] = 0\n',
  ],
  [
    'stats() aggregations cannot be read in expressions (count/sum/min/max/avg can, as in bpftrace v0.26)',
    'BEGIN { @c = stats(1); @d = @c + 1; }',
    'stdin:1:29-31: ERROR: @c holds stats(), which cannot be read in an expression\nBEGIN { @c = stats(1); @d = @c + 1; }\n                            ~~\nHINT: print(@c) shows it; keep a plain counter (@c_n++) if a probe needs the number\n',
  ],
  [
    'strings do not order unless both are literals (bpftrace v0.26 folds those and refuses the rest)',
    'BEGIN { @a = "abc"; $b = "abd"; @o = @a < $b; @f = "abc" < "abd"; @e = @a == $b; }',
    'stdin:1:41-42: ERROR: the < operator does not apply to strings (string[4], string[4])\nBEGIN { @a = "abc"; $b = "abd"; @o = @a < $b; @f = "abc" < "abd"; @e = @a == $b; }\n                                        ~\nHINT: strings compare with == and !=; strncmp(a, b, n) compares the first n characters\n',
  ],
  [
    'an aggregation is not copied from one map to another (bpftrace v0.26); a cast reads its value',
    'BEGIN { @y[1] = count(); @x = @y[1]; @z = (int64)@y[1]; }',
    'stdin:1:31-36: ERROR: @y holds count(), which cannot be assigned from one map to another\nBEGIN { @y[1] = count(); @x = @y[1]; @z = (int64)@y[1]; }\n                              ~~~~~\nHINT: call the function itself (@x = count(…)), or cast the value: @x = (int64)@y[…]\n',
  ],
  [
    'a declared map of a kind that does not hold its value (bpftrace v0.26 bpf_map_types_compatible)',
    'let @a = hash(2); BEGIN { @a = count(); }',
    'stdin:1:32-39: ERROR: Incompatible map types. Type from declaration: hash. Type from value/key type: percpuhash\nlet @a = hash(2); BEGIN { @a = count(); }\n                               ~~~~~~~\nHINT: count() keeps a value per CPU: declare @a = percpuhash(N) or percpulruhash(N)\n',
  ],
  [
    'a per-CPU map declared for a plain value',
    'let @a = percpulruhash(2); BEGIN { @a[1] = 1; }',
    'stdin:1:44-45: ERROR: Incompatible map types. Type from declaration: percpulruhash. Type from value/key type: hash\nlet @a = percpulruhash(2); BEGIN { @a[1] = 1; }\n                                           ~\nHINT: a plain value is one per key: declare @a = hash(N) or lruhash(N)\n',
  ],
];

for (const [name, src, expected] of cases) {
  test(name, () => assert.fixture(diagnose(src), expected));
}

test('ctx is refused in tracepoints, whose record is args (bpftrace v0.26 builtins.cpp)', () => {
  assert.match(
    diagnose('tracepoint:syscalls:sys_enter_mkdir { $x = ctx; }'),
    'ERROR: ctx is not available in tracepoint probes',
  );
  assert.is(diagnose('kprobe:vfs_read { $x = ctx; }'), '');
});

test('correct programs produce no diagnostics', () => {
  for (const src of [
    'tracepoint:syscalls:sys_enter_mkdir < count[pid]++ >',
    'kprobe:vfs_mkdir < count[pid]++ >',
    'BEGIN { @[comm] = count(); @s[pid, tid] = sum(5); @lo = min(-1); @hi = max(2); @v = 1 + 2 * 3; exit(); }',
    'interval:ms:100 /@n > 2/ { exit(); } tracepoint:syscalls:sys_enter_* { @n++ }',
  ]) {
    assert.is(diagnose(src), '', src);
  }
});

// bpftrace v0.26 type_checker warning_for_discared_expression_statement_value, and its runtime test "discard
// expression": a value computed for nothing warns; ++/--, `_ = e`, void calls and delete() do not
test('a statement whose value goes nowhere warns: Return value discarded.', () => {
  const warned = (body: string) => diagnose(`BEGIN { @a[1] = 1; $x = 1; ${body} }`).includes('Return value discarded.');
  for (const body of ['bswap(1);', 'ustack(raw);', '{ 1 }', '$x + 1;', 'has_key(@a, 1);', 'str(0);'])
    assert.ok(warned(body), body);
  for (const body of [
    '_ = { 1 };',
    '_ = { print(1); 1 };',
    'print(1);',
    '$x++;',
    '++$x;',
    '@a[1]++;',
    'delete(@a, 1);',
    'clear(@a);',
  ])
    assert.not.ok(warned(body), body);
  assert.is(
    diagnose('BEGIN { 1; }'),
    'stdin:1:9-10: WARNING: Return value discarded.\nBEGIN { 1; }\n        ~\nHINT: assign it to _ if that is meant: _ = …\n',
  );
});

test.run();
