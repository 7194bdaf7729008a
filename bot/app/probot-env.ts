/**
 * The environment Probot is given. REDIS_URL is the job queue's (bot/jobs):
 * Probot would also read it, to share its rate limiter through Redis, and
 * for that it fetches ioredis with npx at run time. The App's Octokit
 * throttles per process; the queue is what Redis is for here.
 */
export function probotEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const rest = { ...env };
  delete rest.REDIS_URL;
  return rest;
}
