// TaskService: background tasks (`@app.task` .submit/.schedule, their claims, heartbeats and
// results). Not emulated yet: every RPC says so, naming the feature.
import type { ServiceImpl } from './server';

const TASKS = 'background tasks (@app.task)';

export function taskService(): ServiceImpl {
  return {
    unary: {},
    unimplemented: {
      SubmitTask: `${TASKS}: submitting`,
      ClaimTask: `${TASKS}: claiming`,
      CompleteTask: `${TASKS}: completing`,
      TaskHeartbeat: `${TASKS}: heartbeats`,
      FindTasks: `${TASKS}: finding`,
      CountTasks: `${TASKS}: counting`,
      CancelTasks: `${TASKS}: cancelling`,
      GetTask: `${TASKS}: reading`,
      RefreshTaskTimeout: `${TASKS}: timeouts`,
    },
  };
}
