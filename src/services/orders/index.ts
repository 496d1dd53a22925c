import { noPorts } from "../../platform/serviceModule";
import { ServiceModule } from "../../define";
import { getOrder } from "./getOrderHttp";
import { placeOrder } from "./placeOrderHttp";
import { updateOrderWhenStockOrPaymentSettled } from "./updateOrderWhenStockOrPaymentSettled";

export const ordersService: ServiceModule<"orders"> = {
  name: "orders",
  reactions: [updateOrderWhenStockOrPaymentSettled],
  http: { placeOrder, getOrder },
  createPorts: noPorts,
};
