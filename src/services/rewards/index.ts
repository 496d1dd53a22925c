import { ServiceModule } from "../../platform/serviceModule";
import { FreeCreditsOffer, assignFreeCreditsWhenUserSignedUp } from "./assignFreeCreditsWhenUserSignedUp";
import { freeCreditsOfferFromSettings } from "./settings";

export const rewardsService: ServiceModule<"rewards", { freeCredits: FreeCreditsOffer }> = {
  name: "rewards",
  reactions: [assignFreeCreditsWhenUserSignedUp],
  http: {},
  createPorts: (env) => ({ freeCredits: freeCreditsOfferFromSettings(env) }),
};
