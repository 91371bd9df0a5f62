import type { Command } from 'commander';
import type { InstanceView } from '../engine';
import { parseAssignments } from './assignments';
import type { OperatorCommandContext } from './operator-commands';

/**
 * The operators' commands on one case's incidents and messages (issue 11): `retry` runs a failed
 * activity again, `deliver` hands a case the message a receive activity waits for. Both work on
 * the department's database, like `state`.
 */
export function addCaseCommands(program: Command, ctx: OperatorCommandContext): void {
  const { out, json, withEngine } = ctx;

  program
    .command('retry')
    .description('run a failed activity (an incident) of a case again, after its handler or data was fixed')
    .argument('<instance>', 'case id')
    .argument('<activity-instance>', 'the failed activity instance, as `show` lists it')
    .option('--actor <name>', 'who does it (recorded)')
    .action(withEngine(async (engine, opts, cmd, id, activityInstanceId) => {
      const inst = await engine.retryActivity(id, activityInstanceId, opts.actor as string | undefined);
      report(inst, `retried ${activityInstanceId}`, json(cmd));
    }));

  program
    .command('deliver')
    .description('deliver a message to a case waiting for it: a receive activity, or an activity with a message boundary event')
    .argument('<instance>', 'case id')
    .argument('<message>', 'the message name the receive activity waits for')
    .option('--data <name=value...>', 'data carried by the message (repeatable)')
    .option('--actor <name>', 'who does it (recorded)')
    .action(withEngine(async (engine, opts, cmd, id, message) => {
      const inst = await engine.deliverMessage(id, message, parseAssignments(opts.data as string[] | undefined) ?? {}, opts.actor as string | undefined);
      report(inst, `delivered "${message}"`, json(cmd));
    }));

  function report(inst: InstanceView, what: string, asJson: boolean): void {
    if (asJson) return out.stdout(JSON.stringify(inst, null, 2) + '\n');
    out.stdout(`${what}: case ${inst.id} is ${inst.state}\n`);
    for (const a of inst.openActivities) {
      out.stdout(`  ${a.activityInstanceId}  ${a.name ?? a.activityId}  ${a.state}${a.error ? `: ${a.error}` : ''}\n`);
    }
  }
}
