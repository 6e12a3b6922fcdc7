package driver_test

import (
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"

	_ "github.com/meridiandb/meridian/sql/driver"
)

// Meridian embedded in a Go program: no server, the store in a directory.
func Example() {
	dir, err := os.MkdirTemp("", "meridian-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	db, err := sql.Open("meridian", "meridian://"+filepath.ToSlash(dir))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	if _, err := db.Exec(`CREATE TABLE greetings (id INT PRIMARY KEY, text TEXT NOT NULL)`); err != nil {
		log.Fatal(err)
	}
	for i, g := range []string{"hello", "bonjour", "hola"} {
		if _, err := db.Exec(`INSERT INTO greetings VALUES ($1, $2)`, i+1, g); err != nil {
			log.Fatal(err)
		}
	}
	rows, err := db.Query(`SELECT id, text FROM greetings WHERE id >= $1 ORDER BY id`, 2)
	if err != nil {
		log.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int
		var text string
		if err := rows.Scan(&id, &text); err != nil {
			log.Fatal(err)
		}
		fmt.Println(id, text)
	}
	if err := rows.Err(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// 2 bonjour
	// 3 hola
}
