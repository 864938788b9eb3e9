import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { authApi } from '../api/auth';
import { errorField } from '../api/errors';
import { Alert, ErrorAlert } from '../components/ui/Alert';
import { Button } from '../components/ui/Button';
import { TextField } from '../components/ui/Field';
import { useSession } from '../stores/session';
import { AuthLayout } from './AuthLayout';

export default function SignIn() {
  const [params] = useSearchParams();
  const signIn = useSession((s) => s.signIn);
  const endedReason = useSession((s) => s.endedReason);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [submitted, setSubmitted] = useState(false);

  const login = useMutation({
    mutationFn: () => authApi.login({ email: email.trim(), password }),
    // GuestOnly redirects to ?next= once the session is set.
    onSuccess: (auth) => signIn(auth),
  });

  const field = errorField(login.error);
  const emailError = submitted && !email.trim() ? 'Enter your email' : field === 'email' ? login.error?.message : null;
  const passwordError = submitted && !password ? 'Enter your password' : field === 'password' ? login.error?.message : null;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (!email.trim() || !password) return;
    login.mutate();
  };

  const next = params.get('next');
  return (
    <AuthLayout
      title="Sign in"
      subtitle="Welcome back to your real-time dashboard."
      footer={
        <>
          New here?{' '}
          <Link className="font-medium text-brand-700 hover:underline" to={`/register${next ? `?next=${encodeURIComponent(next)}` : ''}`}>
            Create an account
          </Link>
        </>
      }
    >
      {endedReason === 'expired' && (
        <Alert kind="info" className="mb-4">
          Your session expired. Please sign in again.
        </Alert>
      )}
      <form onSubmit={onSubmit} noValidate className="space-y-4">
        <TextField label="Email" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} error={emailError} required autoFocus />
        <TextField
          label="Password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={passwordError}
          required
        />
        {!field && <ErrorAlert error={login.error} />}
        <Button type="submit" className="w-full" loading={login.isPending}>
          Sign in
        </Button>
      </form>
    </AuthLayout>
  );
}
