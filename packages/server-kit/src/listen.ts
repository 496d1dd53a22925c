import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Listens on `port` (0 = a free one) and says where clients reach it; a wildcard bind is reached on loopback. */
export const listen = async (server: Server, port: number, bind: string): Promise<{ port: number; baseUrl: string }> => {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, bind, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  const host = bind === "0.0.0.0" || bind === "::" ? "127.0.0.1" : bind.includes(":") ? `[${bind}]` : bind;
  return { port: actual, baseUrl: `http://${host}:${actual}` };
};

/** Stops accepting, drops the open connections (keep-alive clients would hold it open), resolves once it is closed. */
export const closeServer = (server: Server): Promise<void> =>
  new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
