import { ServiceModule } from "../../define";
import { RewardsPorts, assignFreeCreditsWhenUserSignedUp } from "./assignFreeCreditsWhenUserSignedUp";
import { freeCreditsOfferFromSettings } from "./settings";

export const rewardsService: ServiceModule<"rewards", RewardsPorts> = {
  name: "rewards",
  reactions: [assignFreeCreditsWhenUserSignedUp],
  http: {},
  createPorts: (env) => ({ settings: { freeCredits: freeCreditsOfferFromSettings(env) } }),
};
