import { ServiceModule } from "../platform/serviceModule";
import { ServiceName } from "../topology";
import { inventoryService } from "./inventory";
import { invoicingService } from "./invoicing";
import { journalService } from "./journal";
import { ordersService } from "./orders";
import { paymentsService } from "./payments";
import { bankingService } from "./banking";
import { crmService } from "./crm";
import { emailService } from "./email";
import { ledgerService } from "./ledger";
import { notificationsService } from "./notifications";
import { rewardsService } from "./rewards";
import { usersService } from "./users";

/** Every service of the manifest must have its code here: the mapped type makes a missing one a compile error. */
export const serviceModules: { readonly [K in ServiceName]: ServiceModule<K, any> } = {
  orders: ordersService,
  inventory: inventoryService,
  payments: paymentsService,
  invoicing: invoicingService,
  journal: journalService,
  users: usersService,
  email: emailService,
  crm: crmService,
  rewards: rewardsService,
  banking: bankingService,
  ledger: ledgerService,
  notifications: notificationsService,
};
