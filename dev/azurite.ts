import { ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { PortInUseError } from "./ports";
import { stopChildProcess } from "./stopChildProcess";

/** Azurite's well-known development account: public, documented, local only. */
export const AZURITE_ACCOUNT_NAME = "devstoreaccount1";
export const AZURITE_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export const azuriteConnectionString = (blobEndpoint: string): string =>
  `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT_NAME};AccountKey=${AZURITE_ACCOUNT_KEY};BlobEndpoint=${blobEndpoint};`;

export interface AzuriteOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** Folder Azurite keeps its blobs and metadata in. */
  readonly location: string;
  readonly log?: (line: string) => void;
}

export interface Azurite {
  /** `http://127.0.0.1:<port>/devstoreaccount1`. */
  readonly blobEndpoint: string;
  readonly connectionString: string;
  stop(): Promise<void>;
}

const READY = /successfully listens on (http:\/\/[^\s]+)/;

/**
 * Starts Azurite's blob service from node_modules (no global install, no Docker), loopback only, telemetry off, with
 * its data in `location`, and resolves once it listens.
 */
export const startAzurite = (options: AzuriteOptions): Promise<Azurite> => {
  mkdirSync(options.location, { recursive: true });
  const main = require.resolve("azurite/dist/src/blob/main.js");
  // Azurite in a child that ends when the stack does, even a stack killed outright (see exitWithParent.ts); the
  // first argument stands in for the script name Azurite's option parser skips.
  const bootstrap =
    `const parent = process.ppid; setInterval(() => { if (process.ppid !== parent) process.kill(process.pid, "SIGTERM"); }, 250).unref();` +
    ` require(${JSON.stringify(main)});`;
  const child: ChildProcess = spawn(
    process.execPath,
    [
      "-e",
      bootstrap,
      "azurite-blob",
      "--blobHost", "127.0.0.1",
      "--blobPort", String(options.port),
      "--location", path.resolve(options.location),
      "--disableTelemetry",
      "--skipApiVersionCheck",
      "--silent",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const stop = (): Promise<void> => stopChildProcess(child, 3000);
  return new Promise((resolve, reject) => {
    let output = "";
    let ready = false;
    const timeout = setTimeout(() => {
      void stop();
      reject(new Error(`Azurite did not start within 30 s: ${output.slice(-500)}`));
    }, 30_000);
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString("utf8");
      output += text;
      if (ready) {
        for (const line of text.split("\n")) if (line.trim()) options.log?.(line.trim());
        return;
      }
      const match = READY.exec(output);
      if (match?.[1]) {
        ready = true;
        clearTimeout(timeout);
        const blobEndpoint = `${match[1].replace(/\/$/, "")}/${AZURITE_ACCOUNT_NAME}`;
        resolve({ blobEndpoint, connectionString: azuriteConnectionString(blobEndpoint), stop });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("error", (error) => {
      clearTimeout(timeout);
      reject(error);
    });
    child.once("exit", (code) => {
      if (ready) return;
      clearTimeout(timeout);
      reject(
        /EADDRINUSE/.test(output)
          ? new PortInUseError("Azurite (blob)", options.port, "--azurite-port", "AZURITE_PORT")
          : new Error(`Azurite exited with code ${code} before it was ready: ${output.slice(-500)}`),
      );
    });
  });
};
