// Block scoping of `$` variables as bpftrace v0.26 has it (its migration guide, "Added block scoping for scratch
// variables", and VariablePreCheck): what is accepted, what is refused and what is warned, in v0.26's words.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileText, diagnose } from '../helpers/pipeline.ts';

test('a variable first assigned in two sibling blocks is two variables: their types may differ', () => {
  assert.is(diagnose('BEGIN { if (1) { $a = 1; } else { $a = "str"; } }'), '');
  assert.is(diagnose('BEGIN { if (1) { $a = (1, 2); } if (1) { $a = "s"; print($a); } { $a = comm; } }'), '');
  compileText('BEGIN { if (1) { $a = 1; printf("%d\\n", $a); } else { $a = "str"; printf("%s\\n", $a); } }');
});

test('a variable read after the block that assigned it ended is undeclared (v0.26 refuses it)', () => {
  assert.is(
    diagnose('BEGIN { if (1) { $a = 1; } print($a); }'),
    'stdin:1:34-36: ERROR: Undefined or undeclared variable: $a\n' +
      'BEGIN { if (1) { $a = 1; } print($a); }\n' +
      '                                 ~~\n' +
      'stdin:1:18-24: NOTE: $a was declared here\n' +
      'BEGIN { if (1) { $a = 1; } print($a); }\n' +
      '                 ~~~~~~\n' +
      'HINT: $a ended with the block it was declared in: to use it here, declare it before that block with `let $a;`\n',
  );
  // declared before the block, it is the same variable inside and after
  assert.is(diagnose('BEGIN { let $a; if (1) { $a = 1; } else { $a = 2; } print($a); }'), '');
  assert.match(diagnose('BEGIN { while (1) { $i = 1; break; } print($i); }'), 'Undefined or undeclared variable: $i');
  assert.match(
    diagnose('BEGIN { @m[1] = 1; for ($kv : @m) { } print($kv); }'),
    'the loop variable of a loop that has ended',
  );
  assert.match(diagnose('BEGIN { $x += 1; }'), 'Undefined or undeclared variable: $x');
  assert.match(diagnose('BEGIN { $x++; }'), 'Undefined or undeclared variable: $x');
  assert.match(diagnose('BEGIN { $p = &$q; }'), 'Undefined or undeclared variable: $q');
  assert.match(diagnose('BEGIN /$x/ { }'), 'Undefined or undeclared variable: $x');
});

test('no shadowing: let of a visible variable, a loop variable named as one', () => {
  assert.is(
    diagnose('BEGIN { $a = 1; if (1) { let $a = "x"; } }'),
    'stdin:1:26-38: ERROR: Variable $a was already declared. Variable shadowing is not allowed.\n' +
      'BEGIN { $a = 1; if (1) { let $a = "x"; } }\n' +
      '                         ~~~~~~~~~~~~\n' +
      'stdin:1:9-15: NOTE: This is the initial assignment.\n' +
      'BEGIN { $a = 1; if (1) { let $a = "x"; } }\n' +
      '        ~~~~~~\n' +
      'HINT: give it another name, or assign the existing $a without `let`\n',
  );
  assert.match(diagnose('BEGIN { let $a = 1; let $a = 2; }'), 'NOTE: This is the initial declaration.');
  assert.match(
    diagnose('BEGIN { $i = 0; for ($i : 0..3) { } }'),
    'ERROR: Loop declaration shadows existing variable: $i',
  );
  assert.match(diagnose('BEGIN { for ($i : 0..3) { let $i = 1; } }'), 'NOTE: This is the loop variable.');
  // once its loop ended, the name is free again; a sibling let too
  assert.is(diagnose('BEGIN { @m[1] = 1; for ($kv : @m) { print($kv); } $kv = 5; print($kv); }'), '');
  assert.is(diagnose('BEGIN { if (1) { let $x = 2; } let $x = "a"; print($x); }'), '');
  // v0.26's block_expressions: the inner $x ends before the outer one is declared
  assert.is(diagnose('BEGIN { let $x = { let $x = 1; $x }; print($x); }'), '');
});

test('a let never assigned, or read before it is, warns (it reads 0); sizeof and typeof do not read it', () => {
  assert.is(
    diagnose('BEGIN { let $x; print($x); }'),
    'stdin:1:23-25: WARNING: Variable used before it was assigned: $x\n' +
      'BEGIN { let $x; print($x); }\n' +
      '                      ~~\n' +
      'HINT: it reads 0 here; assign $x first\n' +
      'stdin:1:9-15: WARNING: Variable $x was never assigned to.\n' +
      'BEGIN { let $x; print($x); }\n' +
      '        ~~~~~~\n',
  );
  assert.match(
    diagnose('BEGIN { let $x; if ($x) { $x = 5; } print($x); }'),
    'used before it was assigned: $x\nBEGIN { let $x; if ($x)',
  );
  assert.not.match(diagnose('BEGIN { let $x; if ($x) { $x = 5; } print($x); }'), 'never assigned');
  assert.is(diagnose('BEGIN { let $x: int32; $n = sizeof($x); $x = 1; print(($x, $n)); }'), '');
  assert.is(diagnose('BEGIN { let $x; $p = &$x; print($x); }'), '');
});

test('a renamed variable is named as written in what later passes say about it', () => {
  // the second $a is another variable (renamed apart inside); the checker's message still says $a
  assert.is(
    diagnose('BEGIN { if (1) { $a = 1; } if (1) { $a = "s"; $a = 2; } }'),
    'stdin:1:52-53: ERROR: $a holds string[2], cannot assign int64\n' +
      'BEGIN { if (1) { $a = 1; } if (1) { $a = "s"; $a = 2; } }\n' +
      '                                                   ~\n',
  );
});

test.run();
