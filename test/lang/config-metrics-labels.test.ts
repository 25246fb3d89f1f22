// config metrics_labels: the Prometheus label names of map keys for --metrics. Names are checked as label
// names, and lists given for one map against that map's keys; mistakes are located at the config item.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileSource } from '../../compiler/index.ts';
import { renderDiagnostics } from '../../lang/index.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';

const probe = 'tracepoint:syscalls:sys_enter_mkdir { @c[comm, pid] = count(); @h = hist(pid); }';

function compile(labels: string) {
  return compileSource(`config = { metrics_labels = ${labels} }\n${probe}`, fixedKernel, { name: 'x.bt' });
}

test('one list names every map\'s keys; "@map=…" lists name one map\'s; they reach the compiled program', () => {
  assert.equal(compile('"comm,pid"').program?.metricsLabels, { all: ['comm', 'pid'], maps: {} });
  assert.equal(compile('" @c = comm , pid ;"').program?.metricsLabels, { maps: { '@c': ['comm', 'pid'] } });
  assert.equal(compile('"cpu; @c=comm,pid"').program?.metricsLabels, { all: ['cpu'], maps: { '@c': ['comm', 'pid'] } });
  assert.is(compileSource(probe, fixedKernel, { name: 'x.bt' }).program?.metricsLabels, undefined);
});

const errors = (labels: string) => renderDiagnostics(compile(labels).diagnostics);

test('a list for a map must give one name per key, for a map the program has', () => {
  assert.is(
    errors('"@c=comm"'),
    'x.bt:1:12-38: ERROR: metrics_labels: @c has 2 keys, but 1 label name is given for it (comm)\n' +
      'config = { metrics_labels = "@c=comm" }\n' +
      '           ~~~~~~~~~~~~~~~~~~~~~~~~~~\n' +
      'HINT: give @c one name per key, in the order of its keys\n',
  );
  assert.match(errors('"@cc=comm,pid"'), 'ERROR: metrics_labels: the program has no map @cc\n');
  assert.match(errors('"@cc=comm,pid"'), "HINT: did you mean '@c'?\n");
});

test('names must be label names: not reserved, not le or quantile, not twice; a string', () => {
  assert.match(errors('"co mm"'), "ERROR: metrics_labels: 'co mm' is not a label name");
  assert.match(errors('"1a"'), "'1a' is not a label name");
  assert.match(errors('"__name"'), "'__name': names starting with __ are reserved by Prometheus");
  assert.match(errors('"le"'), "'le' is the label of a histogram's buckets");
  assert.match(errors('"a,a"'), "label 'a' is named twice");
  assert.match(errors('"a;b"'), 'two lists for every map');
  assert.match(errors('""'), 'no label names');
  assert.match(errors('3'), 'expecting a string of label names');
});

test.run();
