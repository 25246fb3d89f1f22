// `--metrics`: an HTTP endpoint serving the running script's maps. GET /metrics answers in the Prometheus text
// format, or OpenMetrics when the scraper's Accept header asks for it (exposition.ts); GET /maps.json gives the
// maps as `-f json` prints them, one object each, in a JSON array. Maps are read by the live view's reader
// (repl/view/reader.ts): in its worker thread, with batched lookups, so a scrape never holds up the thread that
// reads the ring buffer. It listens before anything is loaded, so an address that cannot be had stops the run
// with nothing attached.
import type * as Http from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { CompiledProgram } from '../../compiler/index.ts';
import { jsonMap } from '../print/json.ts';
import { mapReader, type LiveSource, type MapReader } from '../view/reader.ts';
import { formatMetricsAddress, isLoopback, type MetricsAddress } from './address.ts';
import {
  finishExposition,
  OPENMETRICS_CONTENT_TYPE,
  runExposition,
  TEXT_CONTENT_TYPE,
  wantsOpenMetrics,
} from './exposition.ts';

/** An address that cannot be listened on, in words, with what to do. */
export class MetricsListenError extends Error {
  constructor(
    message: string,
    readonly hints: readonly string[],
  ) {
    super(message);
  }
}

export interface MetricsServer {
  /** `http://127.0.0.1:9469` (the port the kernel chose for port 0) */
  readonly url: string;
  /** Starts serving this session's maps (until then, and after quiesce, /metrics answers 503). */
  serve(source: LiveSource): void;
  /** No new scrape starts; waits for one in progress (the session's map fds must outlive it). */
  quiesce(): Promise<void>;
  /** quiesce, then stop listening and drop open connections. */
  close(): Promise<void>;
}

/** Listens on `address`; rejects with a MetricsListenError when the address cannot be had. */
export async function startMetricsServer(address: MetricsAddress, program: CompiledProgram): Promise<MetricsServer> {
  let source: LiveSource | undefined;
  let reader: MapReader | undefined;
  let closing = false;
  const labels = program.metricsLabels;
  const labelsOf = (name: string): readonly string[] => labels?.maps[name] ?? labels?.all ?? [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return reply(res, req, 405, 'text/plain; charset=utf-8', 'only GET and HEAD\n', { Allow: 'GET, HEAD' });
    if (path === '/')
      return reply(
        res,
        req,
        200,
        'text/html; charset=utf-8',
        '<html><head><title>scry</title></head><body><h1>scry</h1>' +
          '<p><a href="/metrics">/metrics</a> (Prometheus, OpenMetrics) &middot; <a href="/maps.json">/maps.json</a></p></body></html>\n',
      );
    if (path !== '/metrics' && path !== '/maps.json')
      return reply(res, req, 404, 'text/plain; charset=utf-8', 'not found: try /metrics or /maps.json\n');
    const live = source;
    if (!live || !reader || closing || !live.running)
      return reply(res, req, 503, 'text/plain; charset=utf-8', 'the program is not running\n');
    const names = live.mapNames();
    if (path === '/maps.json') {
      const read = await reader.snapshots(names);
      if (!read) return reply(res, req, 503, 'text/plain; charset=utf-8', 'the program has stopped\n');
      const lines = read.snapshots.map((s) => jsonMap(s).trimEnd()).filter((l) => l !== '');
      return reply(res, req, 200, 'application/json', lines.length ? `[\n${lines.join(',\n')}\n]\n` : '[]\n');
    }
    const om = wantsOpenMetrics(req.headers.accept);
    const read = await reader.metrics(names, labelsOf, om);
    if (!read) return reply(res, req, 503, 'text/plain; charset=utf-8', 'the program has stopped\n');
    const body = finishExposition([...read.families, runExposition(live.stats, om)], om);
    return reply(res, req, 200, om ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE, body);
  };

  // node:http loads only here: importing it costs every scry start 10-20 ms (measured on this machine)
  const http = process.getBuiltinModule('node:http') as typeof Http;
  const server: Server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent)
        reply(res, req, 500, 'text/plain; charset=utf-8', `reading the maps failed: ${(e as Error).message}\n`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(listenError(e, address)));
    server.listen({ host: address.host, port: address.port, exclusive: true }, () => resolve());
  });
  server.on('error', () => undefined); // after listening, a failing connection is that connection's
  const bound = server.address();
  const port = bound && typeof bound === 'object' ? bound.port : address.port;
  const url = `http://${formatMetricsAddress({ host: address.host, port })}`;
  let closed: Promise<void> | undefined;
  const quiesce = async () => {
    closing = true;
    await reader?.close();
  };
  return {
    url,
    serve(s) {
      source = s;
      reader = mapReader(s);
    },
    quiesce,
    close() {
      closed ??= (async () => {
        await quiesce();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closed;
    },
  };
}

function reply(
  res: ServerResponse,
  req: IncomingMessage,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': bytes.length, ...headers });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

/** Why listen failed, as a person would want to hear it. */
function listenError(e: NodeJS.ErrnoException, a: MetricsAddress): MetricsListenError {
  const where = formatMetricsAddress(a);
  const other = formatMetricsAddress({ host: a.host, port: a.port === 0 ? 0 : a.port + 1 });
  switch (e.code) {
    case 'EADDRINUSE':
      return new MetricsListenError(
        `--metrics ${where}: the address is in use (another scry or exporter listens there)`,
        [`choose another port, e.g. --metrics ${other}`],
      );
    case 'EADDRNOTAVAIL':
      return new MetricsListenError(`--metrics ${where}: ${a.host} is not an address of this machine`, [
        `use 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or one of this machine's addresses`,
      ]);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new MetricsListenError(`--metrics ${where}: the host name ${a.host} does not resolve`, [
        'give an IP address, e.g. --metrics 127.0.0.1:9469',
      ]);
    case 'EACCES':
      return new MetricsListenError(`--metrics ${where}: listening on port ${a.port} is not permitted`, [
        'ports below 1024 need CAP_NET_BIND_SERVICE; the default is 9469',
      ]);
    default:
      return new MetricsListenError(`--metrics ${where}: cannot listen: ${e.code ?? e.message}`, []);
  }
}

/** The banner's words for where the metrics are served. */
export function servingNote(server: MetricsServer, a: MetricsAddress): string {
  const reach = isLoopback(a.host) ? 'this machine only' : 'reachable from other machines';
  return `Serving metrics on ${server.url}/metrics and ${server.url}/maps.json (${reach})\n`;
}
