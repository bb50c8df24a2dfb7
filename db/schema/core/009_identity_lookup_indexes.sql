-- Lookups every authenticated request makes (IdentityService::loadUser): a user's staff record
-- and that record's assignments. Without these each request scanned staff and staff_assignments.
CREATE INDEX staff_user ON staff (user_id);
CREATE INDEX staff_assignments_staff ON staff_assignments (staff_id, starts_on);
