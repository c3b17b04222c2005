-- Run once by the postgres image, when its data volume is new (docker-compose.yml mounts it
-- into /docker-entrypoint-initdb.d). One database per twin: their tables have the same names
-- (items_item, auth_user), on purpose, so they cannot share one.
CREATE DATABASE twins_flask;
CREATE DATABASE twins_django;
