import { z } from 'zod';
import { email, httpUrl, text } from '../common/validation.js';
import { privacyRules } from './privacy.js';

/** Every rule about what a user's profile may hold lives here. */
export const profileFields = {
  firstname: text('firstname', 1, 100),
  lastname: text('lastname', 1, 100),
  phone: z
    .string()
    .trim()
    .max(20, 'phone must be at most 20 characters')
    .regex(/^\+?[0-9 ().-]{3,20}$/, 'phone may hold only digits, spaces and + ( ) . -'),
  country: text('country', 1, 100),
  profilePicture: httpUrl('profilePicture', 500),
};

export const password = (field: string) =>
  z
    .string()
    .min(8, `${field} must be at least 8 characters`)
    .max(128, `${field} must be at most 128 characters`);

export const registerRules = z.object({
  firstname: profileFields.firstname,
  lastname: profileFields.lastname,
  email,
  password: password('password'),
  phone: profileFields.phone.nullish(),
  country: profileFields.country.nullish(),
  profilePicture: profileFields.profilePicture.nullish(),
  privacy: privacyRules.nullish(),
});

/** Omitted fields stay as they are; null clears an optional field. */
export const updateProfileRules = z.object({
  firstname: profileFields.firstname.optional(),
  lastname: profileFields.lastname.optional(),
  phone: profileFields.phone.nullish(),
  country: profileFields.country.nullish(),
  profilePicture: profileFields.profilePicture.nullish(),
});
