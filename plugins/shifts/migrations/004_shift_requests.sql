-- 希望シフト: a request may name the shift pattern a staff member asks to work that day; without
-- one it is a requested day off (希望休), as before.
ALTER TABLE shift_day_off_requests ADD COLUMN pattern_id {{bigint}};
