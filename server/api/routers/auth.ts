import { sessionUserSchema, signUpInputSchema } from "@/lib/schemas/auth";
import { authedProcedure, publicProcedure, router } from "../trpc";
import { signUp } from "@/server/users/service";

export const authRouter = router({
  signUp: publicProcedure.input(signUpInputSchema).output(sessionUserSchema).mutation(({ input }) => signUp(input)),
  me: authedProcedure.output(sessionUserSchema).query(({ ctx }) => ({ id: ctx.user.id, email: ctx.user.email, name: ctx.user.name })),
});
