import { noPorts } from "../../platform/serviceModule";
import { ServiceModule } from "../../define";
import { releaseStockWhenOrderCancelled } from "./releaseStockWhenOrderCancelled";
import { reserveStockWhenOrderPlaced } from "./reserveStockWhenOrderPlaced";
import { getStockLevel, setStockLevel } from "./stockLevelHttp";

export const inventoryService: ServiceModule<"inventory"> = {
  name: "inventory",
  reactions: [reserveStockWhenOrderPlaced, releaseStockWhenOrderCancelled],
  http: { setStockLevel, getStockLevel },
  createPorts: noPorts,
};
