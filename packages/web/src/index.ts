// Public API of @sightline/web.
export const VERSION = '0.1.0';
