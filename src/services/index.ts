import { ServiceModule } from "../define";
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

/**
 * Every service of the manifest must have its code here: the mapped type makes a missing one a compile error, and a
 * module's name and reactions must be its key's. Only the ports type is erased (`any`): each module is checked against
 * its own where it is declared, and the platform hands a module's handlers only what its own createPorts built.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the ports type differs per service (see above)
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
