package fsma

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"time"
)

// utf8BOM starts each CSV file so that spreadsheet programs read it as UTF-8.
const utf8BOM = "\uFEFF"

// WriteCSV writes eventType's sheet of the spreadsheet to w as one CSV file (RFC 4180,
// UTF-8 with a byte order mark, CRLF line ends, a header row).
func WriteCSV(ctx context.Context, w io.Writer, src Source, req Request, eventType string) error {
	sh, ok := sheets[eventType]
	if !ok {
		return invalid("type %q: want one of %v", eventType, AllTypes)
	}
	x, err := newExport(src, req)
	if err != nil {
		return err
	}
	return x.writeCSV(ctx, w, sh)
}

// WriteCSVZip writes the spreadsheet to w as a zip archive of CSV files, one per
// sheet in the request's order, named after the event type ("receiving.csv"); each
// as WriteCSV writes it.
func WriteCSVZip(ctx context.Context, w io.Writer, src Source, req Request) error {
	x, err := newExport(src, req)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	for _, t := range req.types() {
		sh := sheets[t]
		f, err := zw.CreateHeader(&zip.FileHeader{Name: sh.file + ".csv", Method: zip.Deflate, Modified: time.Now()})
		if err != nil {
			return fmt.Errorf("fsma: zip %s: %w", sh.file, err)
		}
		if err := x.writeCSV(ctx, f, sh); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("fsma: zip: %w", err)
	}
	return nil
}

func (x *export) writeCSV(ctx context.Context, w io.Writer, sh *sheet) error {
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return fmt.Errorf("fsma: write %s: %w", sh.file, err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	record := make([]string, len(sh.cols))
	for i, c := range sh.cols {
		record[i] = c.Name
	}
	if err := cw.Write(record); err != nil {
		return fmt.Errorf("fsma: write %s: %w", sh.file, err)
	}
	err := x.walk(ctx, sh.typ, func(l *line) error {
		for i, c := range sh.cols {
			v := c.get(l)
			record[i] = text(v)
			if _, isText := v.(string); isText {
				record[i] = defuse(record[i])
			}
		}
		return cw.Write(record)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("fsma: write %s: %w", sh.file, err)
	}
	return nil
}

// defuse keeps a spreadsheet program from running a text cell as a formula (CSV
// injection): text starting with = + - @ tab or CR gets a leading apostrophe, which
// spreadsheet programs show as text. Numbers are written as they are.
func defuse(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
