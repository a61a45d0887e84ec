INSERT INTO duplicate_tests SELECT * FROM duplicate_tests LIMIT 1;
