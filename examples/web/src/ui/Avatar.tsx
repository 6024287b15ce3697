import type { UserFieldsFragment } from '../gql/graphql';

const COLORS = ['#6366f1', '#0ea5e9', '#14b8a6', '#f59e0b', '#ef4444', '#ec4899', '#8b5cf6', '#22c55e'];

function colorOf(key: string): string {
  let hash = 0;
  for (const ch of key) hash = (hash * 31 + ch.charCodeAt(0)) | 0;
  return COLORS[Math.abs(hash) % COLORS.length]!;
}

/** A user's picture, or their initials on a colour of their own. */
export function Avatar({ user, label, size = 40 }: { user?: Pick<UserFieldsFragment, 'id' | 'firstname' | 'lastname' | 'profilePicture'>; label?: string; size?: number }) {
  const style = { width: size, height: size, fontSize: size * 0.4 };
  if (user?.profilePicture) return <img className="avatar" style={style} src={user.profilePicture} alt="" />;
  const text = user ? `${user.firstname[0] ?? ''}${user.lastname[0] ?? ''}` : (label ?? '?').slice(0, 2);
  return (
    <span className="avatar" style={{ ...style, background: colorOf(user?.id ?? label ?? '') }} aria-hidden>
      {text.toUpperCase()}
    </span>
  );
}
