import type { TokenCredential } from "@azure/identity";
import { BlobServiceClient } from "@azure/storage-blob";
import { ConfigError } from "#src/platform/config";
import { deadLetterReader } from "#src/services/journal/ports";
import { parseJournalSettings } from "#src/services/journal/settings";

jest.mock("@azure/storage-blob", () => {
  const listBlobsFlat = jest.fn(() => (async function* () {})());
  const getContainerClient = jest.fn(() => ({ listBlobsFlat }));
  const BlobServiceClient = Object.assign(jest.fn(() => ({ getContainerClient })), { fromConnectionString: jest.fn(() => ({ getContainerClient })) });
  return { BlobServiceClient, __mocks: { listBlobsFlat, getContainerClient } };
});

const mocks = jest.requireMock<{ __mocks: { listBlobsFlat: jest.Mock; getContainerClient: jest.Mock } }>("@azure/storage-blob").__mocks;
const flow = { correlationId: "c", startedAt: "2026-01-01T00:00:00Z", lastEventAt: "2026-01-01T00:00:01Z", eventTypes: ["Users.UserSignedUp.v1"] };

describe("where the journal reads dead letters from", () => {
  beforeEach(() => jest.clearAllMocks());

  it("in Azure: the dead-letter container by the app's identity, the client made on first use", async () => {
    const settings = parseJournalSettings({ JOURNAL_DEAD_LETTERS__blobServiceUri: "https://st.blob.core.windows.net", JOURNAL_DEAD_LETTERS_URL: "http://127.0.0.1:1/dead-letters" });
    expect(settings.deadLetters).toEqual({ kind: "blobs", blobServiceUri: "https://st.blob.core.windows.net", container: "dead-letters" });
    const credential = { getToken: jest.fn() } as unknown as TokenCredential;
    const read = deadLetterReader(settings.deadLetters, () => credential)!;
    expect(BlobServiceClient).not.toHaveBeenCalled();
    expect(await read(flow)).toEqual([]);
    await read(flow);
    expect(BlobServiceClient).toHaveBeenCalledTimes(1);
    expect(BlobServiceClient).toHaveBeenCalledWith("https://st.blob.core.windows.net", credential);
    expect(mocks.getContainerClient).toHaveBeenCalledWith("dead-letters");
    expect(mocks.listBlobsFlat).toHaveBeenCalled();
  });

  it("against Azurite: by connection string, in the container the setting names", async () => {
    const settings = parseJournalSettings({ JOURNAL_DEAD_LETTERS_CONNECTION_STRING: "UseDevelopmentStorage=true", JOURNAL_DEAD_LETTERS_CONTAINER: "dl-test" });
    await deadLetterReader(settings.deadLetters, () => { throw new Error("no credential needed"); })!(flow);
    expect(BlobServiceClient.fromConnectionString).toHaveBeenCalledWith("UseDevelopmentStorage=true");
    expect(mocks.getContainerClient).toHaveBeenCalledWith("dl-test");
  });

  it("locally without Azurite: the emulator's list; unconfigured: nowhere (the view says null)", async () => {
    expect(parseJournalSettings({ JOURNAL_DEAD_LETTERS_URL: "http://127.0.0.1:1/dead-letters" }).deadLetters).toEqual({ kind: "emulator", url: "http://127.0.0.1:1/dead-letters" });
    expect(parseJournalSettings({}).deadLetters).toBeUndefined();
    expect(deadLetterReader(undefined, () => { throw new Error("unused"); })).toBeUndefined();
  });

  it("names the setting that is wrong", () => {
    expect(() => parseJournalSettings({ JOURNAL_DEAD_LETTERS__blobServiceUri: "not a url" })).toThrow(ConfigError);
    expect(() => parseJournalSettings({ JOURNAL_DEAD_LETTERS_CONTAINER: "Dead_Letters" })).toThrow(/JOURNAL_DEAD_LETTERS_CONTAINER/);
  });
});
