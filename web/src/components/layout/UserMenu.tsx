import { useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { useSession } from '../../stores/session';
import { Icon } from '../ui/Icon';
import { Popover } from '../ui/Popover';

export function UserMenu() {
  const user = useSession((s) => s.user);
  const signOut = useSession((s) => s.signOut);
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  if (!user) return null;
  const initials = (user.name || user.email)
    .split(/\s+/)
    .map((p) => p[0])
    .join('')
    .slice(0, 2)
    .toUpperCase();

  return (
    <div className="relative">
      <button
        ref={trigger}
        type="button"
        onClick={() => setOpen((o) => !o)}
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-label={`Account: ${user.name || user.email}`}
        className="flex h-9 w-9 items-center justify-center rounded-full bg-slate-200 text-xs font-semibold text-slate-700 hover:bg-slate-300"
      >
        {initials}
      </button>
      <Popover open={open} onClose={() => setOpen(false)} triggerRef={trigger} label="Account" className="w-64 py-2">
        <div className="border-b border-slate-100 px-3 pb-2">
          <p className="truncate text-sm font-medium">{user.name}</p>
          <p className="truncate text-xs text-slate-500">{user.email}</p>
        </div>
        {user.platform_admin && (
          <Link to="/admin" onClick={() => setOpen(false)} className="flex items-center gap-2 px-3 py-2 text-sm hover:bg-slate-50">
            <Icon name="shield" className="h-4 w-4" /> Platform admin
          </Link>
        )}
        <button
          type="button"
          onClick={async () => {
            setOpen(false);
            await signOut();
            navigate('/sign-in');
          }}
          className="flex w-full items-center gap-2 px-3 py-2 text-left text-sm hover:bg-slate-50"
        >
          <Icon name="logout" className="h-4 w-4" /> Sign out
        </button>
      </Popover>
    </div>
  );
}
