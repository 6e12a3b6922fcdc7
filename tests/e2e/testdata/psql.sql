-- psql golden test: what a user types, and what they see.
CREATE TABLE fruit (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, price DOUBLE PRECISION, ripe BOOLEAN, picked TIMESTAMP);
INSERT INTO fruit VALUES (1, 'apple', 0.5, true, '2024-09-01 08:00:00');
INSERT INTO fruit VALUES (2, 'banana', 0.25, false, NULL), (3, 'cherry', 4.125, true, '2024-06-30 17:45:30.5');
SELECT * FROM fruit ORDER BY id;
SELECT name, price * 2 AS double_price FROM fruit WHERE ripe ORDER BY name;
UPDATE fruit SET price = price + 1 WHERE id = 2;
SELECT count(*) AS n, sum(price) AS total FROM fruit;
BEGIN;
DELETE FROM fruit WHERE id = 3;
SELECT count(*) FROM fruit;
ROLLBACK;
SELECT id, name FROM fruit ORDER BY id DESC;
\x on
SELECT * FROM fruit WHERE id = 1;
\x off
\copy (SELECT id, name, price FROM fruit ORDER BY id) TO STDOUT WITH CSV HEADER
COPY (SELECT name FROM fruit WHERE ripe ORDER BY 1) TO STDOUT;
CREATE TABLE basket (id SERIAL PRIMARY KEY, fruit_id INT);
ALTER SEQUENCE basket_id_seq RESTART WITH 10 INCREMENT BY 5;
INSERT INTO basket (fruit_id) VALUES (1), (2) RETURNING id;
SELECT pg_get_serial_sequence('basket', 'id'), currval('basket_id_seq');
\echo done
