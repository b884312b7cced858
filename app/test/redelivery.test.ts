/**
 * A delivery that failed without saying so anywhere (here: the reply could not be posted) answers
 * an error, so GitHub shows it as failed. A refusal's redelivery (the same delivery id) runs again,
 * once; a command that did its work is never run twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type TestRegistry } from '../../sdk/test/helpers/registry';
import { comment, createWorld, reactions, replies, writer, type World } from './helpers/commands-world';

describe('redelivery of a failed delivery', () => {
  let registry: TestRegistry;
  let world: World;
  beforeAll(async () => {
    registry = await startRegistry();
    world = await createWorld({ registry, team: 'redelivery' });
  });
  afterAll(async () => {
    await world?.close();
    await registry?.stop();
  });

  it('a refusal whose reply could not be posted runs again on redelivery, once', async () => {
    const issue = world.fake.openIssue('acme/orders', { title: 'help please', user: writer }).number;
    const { id, payload } = comment(world, issue, '/promote', writer);
    world.fake.failNext('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { status: 502, times: 5 });

    await expect(world.app.receive('issue_comment', payload, 'delivery-flaky')).rejects.toThrow();
    expect(replies(world, issue)).toEqual([]);
    expect(world.app.logText()).toContain('the reply could not be posted');

    await world.app.receive('issue_comment', payload, 'delivery-flaky');
    expect(replies(world, issue)).toHaveLength(1);
    expect(replies(world, issue)[0]).toContain('DK804');
    expect(reactions(world, id)).toContain('confused');

    await world.app.receive('issue_comment', payload, 'delivery-flaky');
    expect(replies(world, issue)).toHaveLength(1);
  });

  it('a command that did its work but could not reply fails the delivery and is not run twice', async () => {
    const issue = world.fake.openIssue('acme/orders', { title: 'help again', user: writer }).number;
    const { payload } = comment(world, issue, '/datakit help', writer);
    world.fake.failNext('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { status: 502, times: 5 });

    await expect(world.app.receive('issue_comment', payload, 'delivery-helped')).rejects.toThrow('could not be posted');
    await world.app.receive('issue_comment', payload, 'delivery-helped');
    expect(replies(world, issue)).toEqual([]);
    expect(world.app.logText()).toContain('comment already handled');
  });
});
