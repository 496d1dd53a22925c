import { noPorts } from "../../platform/serviceModule";
import { ServiceModule } from "../../define";
import { getUser } from "./getUserHttp";
import { signUpUser } from "./signUpUserHttp";
import { trackOnboardingWhenStepCompleted } from "./trackOnboardingWhenStepCompleted";

export const usersService: ServiceModule<"users"> = {
  name: "users",
  reactions: [trackOnboardingWhenStepCompleted],
  http: { signUpUser, getUser },
  createPorts: noPorts,
};
