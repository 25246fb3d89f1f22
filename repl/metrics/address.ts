// `--metrics [ADDR]`: where the metrics endpoint listens. Pure (the command-line parser uses it).

// node:net costs ~3 ms to load; it is asked for only when an address is parsed or printed (--metrics)
const isIPv4 = (s: string) => process.getBuiltinModule('node:net').isIPv4(s);
const isIPv6 = (s: string) => process.getBuiltinModule('node:net').isIPv6(s);

export const DEFAULT_METRICS_HOST = '127.0.0.1';
export const DEFAULT_METRICS_PORT = 9469;

export interface MetricsAddress {
  /** an IP literal or a host name, as given (IPv6 without its brackets) */
  readonly host: string;
  /** 0: the kernel picks a free port (the banner says which) */
  readonly port: number;
}

/**
 * `HOST:PORT`, `[IPV6]:PORT`, `:PORT` or `PORT` (this machine only: 127.0.0.1), or `HOST` alone (port 9469);
 * '' is 127.0.0.1:9469. Only an address written out listens beyond loopback (`0.0.0.0:9469`, `[::]:9469`).
 */
export function parseMetricsAddress(text: string): MetricsAddress | { error: string; hints: string[] } {
  const hints = [
    `write HOST:PORT, e.g. --metrics 127.0.0.1:${DEFAULT_METRICS_PORT} (this machine only), --metrics=:9470, or --metrics 0.0.0.0:${DEFAULT_METRICS_PORT} (every interface)`,
  ];
  const bad = (why: string) => ({ error: `--metrics '${text}': ${why}`, hints });
  if (text === '') return { host: DEFAULT_METRICS_HOST, port: DEFAULT_METRICS_PORT };
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([^\]]*)\](?::(.*))?$/s.exec(text);
  if (v6) {
    host = v6[1]!;
    portText = v6[2];
    if (!isIPv6(host)) return bad(`'${host}' is not an IPv6 address`);
  } else if (/^\d+$/.test(text)) {
    host = DEFAULT_METRICS_HOST;
    portText = text;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon !== text.indexOf(':')) return bad('an IPv6 address goes in brackets: [::1]:9469');
    host = colon < 0 ? text : text.slice(0, colon) || DEFAULT_METRICS_HOST;
    portText = colon < 0 ? undefined : text.slice(colon + 1);
    if (
      !isIPv4(host) &&
      !/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(host)
    )
      return bad(`'${host}' is neither an IP address nor a host name`);
  }
  if (portText === undefined) return { host, port: DEFAULT_METRICS_PORT };
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535)
    return bad(`the port must be a number from 0 to 65535, got '${portText}'`);
  return { host, port: Number(portText) };
}

/** `127.0.0.1:9469`, `[::1]:9469`: how a URL names the address. */
export function formatMetricsAddress(a: MetricsAddress): string {
  return `${isIPv6(a.host) ? `[${a.host}]` : a.host}:${a.port}`;
}

/** Whether a separate word after `--metrics` is its address (else it is the script: `--metrics script.bt`). */
export function looksLikeMetricsAddress(word: string): boolean {
  return /^(?:\[[^\]]*\]|[A-Za-z0-9.-]*):\d*$/.test(word);
}

/** Whether the address is this machine's loopback only. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || /^127\./.test(host) || host === '::1';
}
