import { ApiError } from '../../../shared/api/errors';
import { TemplateNameTaken } from '../../store/templates';
import type { ApiServices } from '../services';
import type { Handlers } from '../handler-types';
import { found } from './found';

type TemplateHandlers = Pick<Handlers, 'templates.list' | 'templates.save' | 'templates.delete'>;

/**
 * No event is published: templates belong to no session, and the designer that changes them reloads its
 * own list afterwards.
 */
export function templateHandlers({ store }: ApiServices): TemplateHandlers {
  return {
    'templates.list': () => store.templates.list(),
    'templates.save': ({ name, spec, replace }) => {
      try {
        return store.templates.save({ name, spec, replace: replace ?? false });
      } catch (error) {
        if (!(error instanceof TemplateNameTaken)) throw error;
        throw new ApiError(
          'conflict',
          `A template named “${error.existing.name}” already exists. Save with replace to overwrite it, or choose another name.`,
        );
      }
    },
    'templates.delete': ({ id }) => {
      found(store.templates.get(id), 'template', id);
      store.templates.delete(id);
      return { deleted: true as const };
    },
  };
}
