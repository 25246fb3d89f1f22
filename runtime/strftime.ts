// C's strftime for time(): the conversions bpftrace scripts use, in local time.
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

const pad = (n: number, w = 2, c = '0') => String(n).padStart(w, c);

export function strftime(format: string, d: Date): string {
  return format.replace(/%([a-zA-Z%])/g, (whole, c: string) => {
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
      case 'd':
        return pad(d.getDate());
      case 'e':
        return pad(d.getDate(), 2, ' ');
      case 'H':
        return pad(d.getHours());
      case 'I':
        return pad(d.getHours() % 12 || 12);
      case 'j':
        return pad(
          Math.floor((Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) - Date.UTC(d.getFullYear(), 0, 1)) / 864e5) +
            1,
          3,
        );
      case 'm':
        return pad(d.getMonth() + 1);
      case 'M':
        return pad(d.getMinutes());
      case 'p':
        return d.getHours() < 12 ? 'AM' : 'PM';
      case 'S':
        return pad(d.getSeconds());
      case 's':
        return String(Math.floor(d.getTime() / 1000));
      case 'y':
        return pad(d.getFullYear() % 100);
      case 'Y':
        return String(d.getFullYear());
      case 'z': {
        const off = -d.getTimezoneOffset();
        return `${off < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(off) / 60))}${pad(Math.abs(off) % 60)}`;
      }
      case 'F':
        return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
      case 'T':
        return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
      case 'R':
        return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
      case 'D':
        return `${pad(d.getMonth() + 1)}/${pad(d.getDate())}/${pad(d.getFullYear() % 100)}`;
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case '%':
        return '%';
      default:
        return whole;
    }
  });
}
