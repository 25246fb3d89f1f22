// strerror()'s texts are bpftrace v0.26's (its standard library's errno table: the kernel's errno.h comments),
// not glibc's: scry printed "Input/output error", "Unknown error 41" and "Restart system call" where v0.26 prints
// "I/O error", "Unknown error" and "Unknown error" (found side by side; v0.26.1 src/stdlib/strings/errors.h).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { strerrorText } from '../../runtime/strerror.ts';

test("strerror(): v0.26's table, negative numbers as positive, holes and numbers past it plain 'Unknown error'", () => {
  assert.is(strerrorText(0), 'Success');
  assert.is(strerrorText(1), 'Operation not permitted'); // v0.26 runtime test call.strerror (EPERM)
  assert.is(strerrorText(7), 'Argument list too long'); // json-output.strerror
  assert.is(strerrorText(22), 'Invalid argument'); // stdlib.strerror
  assert.is(strerrorText(5), 'I/O error');
  assert.is(strerrorText(-9), 'Bad file number');
  assert.is(strerrorText(11), 'Try again (operation would block)');
  assert.is(strerrorText(133), 'Memory page has hardware error');
  for (const n of [41, 58, 134, 255, 512, 100000]) assert.is(strerrorText(n), 'Unknown error', String(n));
});

test.run();
