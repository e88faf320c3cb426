import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { TLSSocket } from "node:tls";

/** An answer, with the serial and names of the certificate it came with (HTTPS). */
export interface TlsAnswer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  serial?: string;
  issuer?: string;
  altNames?: string;
}

/**
 * GET https://NAME/PATH from ADDRESS:PORT, as `curl --resolve NAME:PORT:ADDRESS --cacert CA`: the
 * name is the TLS server name and the Host header, and the certificate must chain to `ca`.
 */
export function httpsAt(address: string, port: number, name: string, path: string, ca: string, headers: Record<string, string> = {}): Promise<TlsAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: address, port, path, servername: name, ca, headers: { Host: name, Connection: "close", ...headers }, agent: false, timeout: 10_000 },
      (res) => {
        const cert = (res.socket as TLSSocket).getPeerCertificate();
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers, serial: cert.serialNumber, issuer: cert.issuer?.CN, altNames: cert.subjectaltname }),
        );
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

/** GET http://NAME/PATH from ADDRESS:PORT (Host: NAME), without following redirects. */
export function httpAt(address: string, port: number, name: string, path: string, headers: Record<string, string> = {}, body?: Buffer): Promise<TlsAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: address, port, path, method: body ? "POST" : "GET", headers: { Host: name, Connection: "close", ...headers }, agent: false, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(body);
  });
}
