import type { ActivityBehaviour } from './activity-behaviour';
import { activityDone, multiInstanceCount } from './multi-instance';

/**
 * Calls the activity's application — a safe script or a registered handler — once, or once per
 * instance of a multi-instance activity, maps its result into the case and fires. A failure
 * becomes an incident that retry resumes.
 */
export const automaticBehaviour: ActivityBehaviour = {
  async enter(ctx, a, ai) {
    const runs = a.multiInstance ? multiInstanceCount(ctx, a) : 1;
    ai.total = runs;
    ai.completed = 0;
    try {
      // Several XPDL 1.0 Tools in one activity are called in document order, each run of a
      // multi-instance activity calling all of them.
      const calls = [a.application!, ...(a.furtherApplications ?? [])].map((call) => {
        const app = ctx.def.applications.get(call.id)!;
        const handler = app.script === undefined ? ctx.env.handlers.get(app.handler ?? app.id) : undefined;
        if (app.script === undefined && !handler) {
          throw new Error(
            `no handler is registered for application "${app.handler ?? app.id}"; register one with engine.handlers.register("${app.handler ?? app.id}", fn)`,
          );
        }
        return { call, app, handler };
      });
      for (let i = 0; i < runs; i++) {
        const loopCounter = a.multiInstance ? i : undefined;
        for (const { call, app, handler } of calls) {
          const input = ctx.data.mapIn(call.parameters, a, loopCounter);
          const result = app.script !== undefined
            ? ctx.def.script(app.script).run(input)
            : ((await handler!({
                instanceId: ctx.id,
                processId: ctx.def.id,
                activityId: a.id,
                applicationId: app.id,
                input,
                ...(loopCounter !== undefined ? { loopCounter } : {}),
              })) ?? {});
          ctx.data.apply(ctx.data.mapOut(call.parameters, result, a), undefined, a.id);
        }
        ai.completed += 1;
        if (a.multiInstance && activityDone(ctx, a, ai)) break;
      }
    } catch (e) {
      return ctx.fail(a, ai, e);
    }
    await ctx.finishActivity(a, ai);
  },
};
