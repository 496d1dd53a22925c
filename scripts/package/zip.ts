import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { crc32, deflateRawSync } from "node:zlib";

export interface ZipEntry {
  /** Path inside the archive, `/`-separated, no leading slash. */
  readonly name: string;
  /** File on disk whose bytes become the entry. */
  readonly source: string;
}

export class ZipError extends Error {
  readonly code = "PACKAGE.ZIP";
}

// ZIP's DOS timestamp for 1980-01-01 00:00: every entry gets it, so the same inputs give a byte-identical archive.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
// "Made by" Unix (3), spec 2.0; external attributes carry a regular file with mode 0644, as Linux hosts expect.
const MADE_BY = (3 << 8) | 20;
const FILE_ATTRIBUTES = (0o100644 << 16) >>> 0;
const MAX_ENTRIES = 0xffff;
const MAX_OFFSET = 0xffffffff;

/**
 * Writes a plain (non-ZIP64) deflate archive. Small on purpose: the deployment package needs files only, no
 * directories, links or permissions beyond 0644, and must build the same on every OS without a `zip` binary.
 */
export const writeZip = (outPath: string, entries: readonly ZipEntry[]): { bytes: number; entries: number } => {
  if (entries.length > MAX_ENTRIES) throw new ZipError(`${entries.length} files exceed the ${MAX_ENTRIES} a plain ZIP holds`);
  const fd = openSync(outPath, "w");
  const central: Buffer[] = [];
  let offset = 0;
  const write = (b: Buffer): void => {
    writeSync(fd, b);
    offset += b.length;
  };
  try {
    for (const entry of entries) {
      const data = readFileSync(entry.source);
      const deflated = deflateRawSync(data, { level: 9 });
      const stored = deflated.length >= data.length;
      const body = stored ? data : deflated;
      const name = Buffer.from(entry.name, "utf8");
      const crc = crc32(data);
      if (offset > MAX_OFFSET) throw new ZipError("archive exceeds 4 GiB");
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4);
      local.writeUInt16LE(0x0800, 6); // names are UTF-8
      local.writeUInt16LE(stored ? 0 : 8, 8);
      local.writeUInt16LE(DOS_TIME, 10);
      local.writeUInt16LE(DOS_DATE, 12);
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(body.length, 18);
      local.writeUInt32LE(data.length, 22);
      local.writeUInt16LE(name.length, 26);
      local.writeUInt16LE(0, 28);
      const header = Buffer.alloc(46);
      header.writeUInt32LE(0x02014b50, 0);
      header.writeUInt16LE(MADE_BY, 4);
      local.copy(header, 6, 4, 30); // version needed … name length, then extra length 0
      header.writeUInt16LE(0, 32);
      header.writeUInt16LE(0, 34);
      header.writeUInt16LE(0, 36);
      header.writeUInt32LE(FILE_ATTRIBUTES, 38);
      header.writeUInt32LE(offset, 42);
      central.push(header, name);
      write(local);
      write(name);
      write(body);
    }
    const directoryOffset = offset;
    const directory = Buffer.concat(central);
    write(directory);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(entries.length, 8);
    end.writeUInt16LE(entries.length, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(directoryOffset, 16);
    write(end);
    return { bytes: offset, entries: entries.length };
  } finally {
    closeSync(fd);
  }
};
