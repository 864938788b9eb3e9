import { api } from './instance';
import type { AuthResponse, LoginInput, RegisterInput, User } from './types';

export const authApi = {
  register: (input: RegisterInput) => api.post<AuthResponse>('/auth/register', input, { auth: false }),
  login: (input: LoginInput) => api.post<AuthResponse>('/auth/login', input, { auth: false }),
  me: () => api.get<User>('/me'),
  logout: () => api.logout(),
};
