import type { Actor } from '../api';
import { describeActor } from '../format';

/** Who acted, in a table cell: the kind of key and its masked form on one line, its description (cut to two lines) under it. */
export function ActorLabel({ actor }: { actor: Actor }) {
  if (actor.type !== 'api-key' && actor.type !== 'scim-key') return <>{describeActor(actor)}</>;
  return (
    <span class="stack">
      <span>
        {actor.type === 'scim-key' ? 'SCIM key' : 'API key'} <code class="masked-key">{actor.maskedKey}</code>
      </span>
      {actor.description && (
        <span class="muted small clamp-2" title={actor.description}>
          {actor.description}
        </span>
      )}
    </span>
  );
}
