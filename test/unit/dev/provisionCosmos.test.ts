/**
 * The local stack creates each container with the indexing policy Bicep deploys (src/containerIndexing.ts), so the
 * queries run locally against the same indexes as in Azure (test/infra checks the compiled Bicep against the same code).
 */
import { localCosmosClient, startCosmosServer } from "@azure-choreography/cosmos-server";
import { provisionCosmos } from "#dev/stack";
import { indexingPolicyOf } from "#src/containerIndexing";
import { serviceNames, services } from "#src/topology";

it("creates every container with its declared indexing policy", async () => {
  const server = await startCosmosServer({ port: 0 });
  const client = localCosmosClient(server.endpoint, server.key);
  try {
    await provisionCosmos(server.endpoint, server.key, "choreography");
    for (const service of serviceNames) {
      const { resource } = await client.database("choreography").container(services[service].container).read();
      expect({ service, policy: resource?.indexingPolicy }).toEqual({ service, policy: indexingPolicyOf(service) });
    }
  } finally {
    client.dispose();
    await server.close();
  }
}, 60_000);
