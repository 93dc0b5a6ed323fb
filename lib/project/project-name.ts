// A project's name, as processes sharing a coordinator know it: ebb.yaml's `name:` when set,
// else the project folder's name. Two checkouts of one project in folders named differently
// (a CI runner's workspace, a container's /app) then still share their models' rate budgets
// and locks; two projects that happen to sit in folders of the same name can be told apart.

import { basename } from 'node:path';
import type { Project } from './discover.js';

export function projectName(project: Pick<Project, 'root' | 'file'>): string {
  return project.file?.name ?? basename(project.root);
}
