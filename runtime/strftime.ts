// C's strftime(3) in the C locale, in local time, for time() and strftime(): every conversion glibc has
// (bpftrace v0.26 hands the format to libc), its E/O modifiers (the same in the C locale) and its flags
// (`-` no padding, `_` spaces, `0` zeros, `^` upper case) with a field width. A conversion glibc does not
// know is printed as written, as glibc prints it.
const days = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const months = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** A number, and how C pads it by default (`%e`, `%k`, `%l` pad with spaces). */
interface Num {
  readonly n: number;
  readonly width: number;
  readonly pad: '0' | ' ';
}

const num = (n: number, width = 2, pad: '0' | ' ' = '0'): Num => ({ n, width, pad });

/** Day of the year, 0-based. */
function yearDay(d: Date): number {
  return Math.round(
    (new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() - new Date(d.getFullYear(), 0, 1).getTime()) /
      864e5,
  );
}

/** ISO 8601 week-based year and week (%G, %V): weeks start on Monday; week 1 holds the year's first Thursday. */
function isoWeek(d: Date): { year: number; week: number } {
  const day = new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()));
  const weekday = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - weekday); // the Thursday of this week decides its year
  const year = day.getUTCFullYear();
  const week = Math.floor((day.getTime() - Date.UTC(year, 0, 1)) / 864e5 / 7) + 1;
  return { year, week };
}

/** The time zone's abbreviation (%Z), as Intl names it (UTC, CET, or GMT+1 where it knows no abbreviation). */
function zoneName(d: Date): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
    .formatToParts(d)
    .find((p) => p.type === 'timeZoneName');
  return part?.value ?? '';
}

function zoneOffset(d: Date): string {
  const off = -d.getTimezoneOffset();
  const abs = Math.abs(off);
  return `${off < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

/** One conversion: its text or number, or undefined for one C does not know. */
function convert(c: string, d: Date): string | Num | undefined {
  const hour = d.getHours();
  switch (c) {
    case 'a':
      return days[d.getDay()]!.slice(0, 3);
    case 'A':
      return days[d.getDay()]!;
    case 'b':
    case 'h':
      return months[d.getMonth()]!.slice(0, 3);
    case 'B':
      return months[d.getMonth()]!;
    case 'c':
      return strftime('%a %b %e %H:%M:%S %Y', d);
    case 'C':
      return num(Math.floor(d.getFullYear() / 100));
    case 'd':
      return num(d.getDate());
    case 'D':
    case 'x':
      return strftime('%m/%d/%y', d);
    case 'e':
      return num(d.getDate(), 2, ' ');
    case 'F':
      return strftime('%Y-%m-%d', d);
    case 'g':
      return num(isoWeek(d).year % 100);
    case 'G':
      return num(isoWeek(d).year, 1);
    case 'H':
      return num(hour);
    case 'I':
      return num(hour % 12 || 12);
    case 'j':
      return num(yearDay(d) + 1, 3);
    case 'k':
      return num(hour, 2, ' ');
    case 'l':
      return num(hour % 12 || 12, 2, ' ');
    case 'm':
      return num(d.getMonth() + 1);
    case 'M':
      return num(d.getMinutes());
    case 'n':
      return '\n';
    case 'p':
      return hour < 12 ? 'AM' : 'PM';
    case 'P':
      return hour < 12 ? 'am' : 'pm';
    case 'r':
      return strftime('%I:%M:%S %p', d);
    case 'R':
      return strftime('%H:%M', d);
    case 's':
      return num(Math.floor(d.getTime() / 1000), 1);
    case 'S':
      return num(d.getSeconds());
    case 't':
      return '\t';
    case 'T':
    case 'X':
      return strftime('%H:%M:%S', d);
    case 'u':
      return num(d.getDay() || 7, 1);
    case 'U':
      return num(Math.floor((yearDay(d) + 7 - d.getDay()) / 7));
    case 'V':
      return num(isoWeek(d).week);
    case 'w':
      return num(d.getDay(), 1);
    case 'W':
      return num(Math.floor((yearDay(d) + 7 - ((d.getDay() + 6) % 7)) / 7));
    case 'y':
      return num(d.getFullYear() % 100);
    case 'Y':
      return num(d.getFullYear(), 1);
    case 'z':
      return zoneOffset(d);
    case 'Z':
      return zoneName(d);
    case '%':
      return '%';
    default:
      return undefined;
  }
}

const CONVERSION = /%([-_0^#]*)(\d*)([EO]?)([a-zA-Z%])/g;

export function strftime(format: string, d: Date): string {
  return format.replace(CONVERSION, (whole, flags: string, width: string, _modifier: string, c: string) => {
    const v = convert(c, d);
    if (v === undefined) return whole;
    let text: string;
    if (typeof v === 'string') {
      text = width ? v.padStart(Number(width), flags.includes('0') ? '0' : ' ') : v;
    } else {
      const pad = flags.includes('_') ? ' ' : flags.includes('0') ? '0' : v.pad;
      const w = flags.includes('-') ? 0 : width ? Number(width) : v.width;
      const digits = String(Math.abs(v.n));
      text = (v.n < 0 ? '-' : '') + digits.padStart(w - (v.n < 0 ? 1 : 0), pad);
    }
    return flags.includes('^') ? text.toUpperCase() : text;
  });
}
