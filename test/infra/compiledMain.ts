/**
 * What main.bicep would deploy: `bicep snapshot` of the compiled template with the shared test parameters
 * (deploymentFixture.ts). ARM's own template engine has evaluated what the template computes at deployment, such as a
 * workbook's serializedData (built from its layout and its query files), which the compiled template only describes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Snapshot, requireBicep, runBicep, snapshotTemplate } from "./bicepCli";
import { mainParams, snapshotScope } from "./deploymentFixture";

export const snapshotOfMain = (repoRoot: string): Snapshot => {
  const cli = requireBicep(repoRoot);
  const out = mkdtempSync(join(tmpdir(), "compiled-main-"));
  try {
    const built = runBicep(cli, ["build", "infra/main.bicep", "--outdir", out], repoRoot);
    if (built.status !== 0) throw new Error(`bicep build infra/main.bicep failed:\n${built.stderr}`);
    return snapshotTemplate(cli, join(out, "main.json"), mainParams, snapshotScope);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
};
