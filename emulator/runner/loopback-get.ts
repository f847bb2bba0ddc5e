// A GET of a runner's own HTTP server on loopback, answered as JSON. node:http rather than fetch:
// the first fetch in a process loads and compiles undici (40–60 ms measured here), and the first
// such read (the runner's /_meta at Register) stands between a start and the app's first reply.
import { request } from 'node:http';

/** The JSON body of GET http://127.0.0.1:`port``path`; rejects on a non-2xx status or after `timeoutMs`. */
export function getLoopbackJson(port: number, path: string, timeoutMs: number): Promise<unknown> {
  return new Promise((resolveGet, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('error', reject);
      res.on('end', () => {
        if (!res.statusCode || res.statusCode < 200 || res.statusCode > 299) return reject(new Error(`GET ${path} answered ${res.statusCode}`));
        try {
          resolveGet(JSON.parse(body));
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} did not answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
