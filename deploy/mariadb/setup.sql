-- Sukusuku on MariaDB (>= 10.6) or MySQL 8: the database and its three accounts.
--
-- Rendered by deploy/debian/install.sh (and deploy/cluster/lib.sh) with the placeholders
--   {DB_NAME}           database name                      (sukusuku)
--   {APP_HOST}          where the app nodes connect from   ('localhost' / '10.0.0.%')
--   {APP_PASSWORD}      password of the app account        (random, kept in /etc/sukusuku/sukusuku.env)
--   {MIGRATE_PASSWORD}  password of the migration account  (random, kept in /etc/sukusuku/migrate.env)
--   {BACKUP_PASSWORD}   password of the backup account     (random, kept in /etc/sukusuku/backup.cnf)
-- and run once as the database administrator. Re-running it is harmless (IF NOT EXISTS) and
-- resets the passwords to the rendered values.
--
-- Least privilege: the application account that serves requests may read and write rows and
-- nothing else: no DDL, no DROP, no FILE, no access to other databases. Schema changes are made
-- only by `sukusuku migrate`, run by the one-shot unit sukusuku-migrate.service under the
-- migration account, which owns the schema (and seeds the demo when asked). A leaked app
-- password therefore cannot drop a table or read another database.

CREATE DATABASE IF NOT EXISTS `@DB_NAME@`
  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

CREATE USER IF NOT EXISTS 'sukusuku_app'@'@APP_HOST@' IDENTIFIED BY '@APP_PASSWORD@';
ALTER USER 'sukusuku_app'@'@APP_HOST@' IDENTIFIED BY '@APP_PASSWORD@';
-- SELECT ... FOR UPDATE [SKIP LOCKED] needs SELECT + UPDATE, both granted; GET_LOCK needs none.
GRANT SELECT, INSERT, UPDATE, DELETE ON `@DB_NAME@`.* TO 'sukusuku_app'@'@APP_HOST@';

CREATE USER IF NOT EXISTS 'sukusuku_migrate'@'@APP_HOST@' IDENTIFIED BY '@MIGRATE_PASSWORD@';
ALTER USER 'sukusuku_migrate'@'@APP_HOST@' IDENTIFIED BY '@MIGRATE_PASSWORD@';
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP, REFERENCES
  ON `@DB_NAME@`.* TO 'sukusuku_migrate'@'@APP_HOST@';

-- Backups (deploy/backup.sh): a read-only account; --single-transaction needs no LOCK TABLES,
-- SHOW VIEW/TRIGGER/EVENT keep mariadb-dump quiet; RELOAD, PROCESS, LOCK TABLES and BINLOG
-- MONITOR on *.* are what mariabackup needs (it also reads the data files: run it as root).
CREATE USER IF NOT EXISTS 'sukusuku_backup'@'localhost' IDENTIFIED BY '@BACKUP_PASSWORD@';
ALTER USER 'sukusuku_backup'@'localhost' IDENTIFIED BY '@BACKUP_PASSWORD@';
GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON `@DB_NAME@`.* TO 'sukusuku_backup'@'localhost';
GRANT RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR ON *.* TO 'sukusuku_backup'@'localhost';

FLUSH PRIVILEGES;
