// BPF_BTF_LOAD with the compiler's BTF, and a program whose for-map callback needs it, on the real kernel.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BtfWriter, functionsBtf } from '../../../compiler/btf/index.ts';
import { loadObjects } from '../../../runtime/loader.ts';
import { btfLoad, BtfLoadError } from '../../../runtime/sys/bpf.ts';
import { OwnedFd } from '../../../runtime/sys/fd.ts';
import { checkFdLeaks, requireRoot } from '../../helpers/kernel.ts';
import { compileText } from '../../helpers/pipeline.ts';

if (requireRoot('sys/btf')) {
  const t = suite('sys/btf');
  checkFdLeaks(t);

  t('the functions BTF of a program with callbacks loads', () => {
    const fd = new OwnedFd(btfLoad(functionsBtf('scry_0_BEGIN', ['for_map_cb0', 'for_map_cb1']).data));
    try {
      assert.ok(fd.fd >= 0);
    } finally {
      fd.close();
    }
  });

  t('a broken blob fails with the kernel log', () => {
    const w = new BtfWriter();
    w.func('f', 42, 'static'); // no type 42
    try {
      btfLoad(w.encode(), new Uint8Array(4096));
      assert.unreachable('loaded');
    } catch (e) {
      assert.instance(e, BtfLoadError);
      assert.is((e as BtfLoadError).code, 'EINVAL');
      assert.ok((e as BtfLoadError).log.length > 0);
    }
  });

  t('a program with a for-map callback loads with its BTF and func_info, and closes them all', () => {
    const objs = loadObjects(
      compileText('BEGIN { @m[1] = 1; for ($kv : @m) { @s += $kv.1; if ($kv.0 > 5) { break; } } exit(); }'),
    );
    try {
      const p = objs.programs[0]!;
      assert.ok(p.btf && !p.btf.closed);
      assert.ok(p.fd.fd >= 0);
    } finally {
      objs.close();
    }
  });

  t.run();
}
