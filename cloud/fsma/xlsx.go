package fsma

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// maxSheetRows is the most rows an XLSX sheet holds (Excel's limit, header included);
// a sheet with more continues on a sheet named "<name> (2)". A variable for tests.
var maxSheetRows = excelize.TotalRows

// WriteXLSX writes the spreadsheet to w as an XLSX workbook: one sheet per event type
// in the request's order, each a table (sortable and filterable) under a frozen header
// row. Quantities are numbers; everything else is text. Rows go through excelize's
// StreamWriter (held in memory up to 16 MiB per sheet, beyond that in a temporary
// file) and the workbook is zipped straight to w.
func WriteXLSX(ctx context.Context, w io.Writer, src Source, req Request) error {
	x, err := newExport(src, req)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("fsma: xlsx style: %w", err)
	}
	xw := &xlsxWriter{f: f, header: bold}
	for _, t := range req.types() {
		if err := xw.sheet(ctx, x, sheets[t]); err != nil {
			return err
		}
	}
	// excelize's Write zips into a buffer of the whole file; its zip writer hook
	// lets the zip go to w instead, leaving that buffer empty.
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	if err := f.Write(mustStayEmpty{}); err != nil {
		return fmt.Errorf("fsma: write xlsx: %w", err)
	}
	return nil
}

// mustStayEmpty is where excelize writes its buffer, which the zip writer hook keeps
// empty; anything written there means the hook no longer works as this package
// expects, and would be lost.
type mustStayEmpty struct{}

func (mustStayEmpty) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return 0, errors.New("fsma: excelize wrote the workbook outside its zip writer")
}

type xlsxWriter struct {
	f      *excelize.File
	header int // style id
	sheets int // sheets made so far
}

// part is one XLSX sheet being streamed.
type part struct {
	sw   *excelize.StreamWriter
	name string
	rows int // rows written, header included
}

func (xw *xlsxWriter) sheet(ctx context.Context, x *export, sh *sheet) error {
	n := 1
	p, err := xw.open(sh, n)
	if err != nil {
		return err
	}
	row := make([]any, len(sh.cols))
	err = x.walk(ctx, sh.typ, func(l *line) error {
		if p.rows >= maxSheetRows {
			if err := xw.close(sh, p, n); err != nil {
				return err
			}
			n++
			if p, err = xw.open(sh, n); err != nil {
				return err
			}
		}
		for i, c := range sh.cols {
			row[i] = c.get(l)
		}
		p.rows++
		if err := p.sw.SetRow(cellName(1, p.rows), row); err != nil {
			return fmt.Errorf("fsma: xlsx %s row %d: %w", p.name, p.rows, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return xw.close(sh, p, n)
}

// open starts the n-th sheet of sh with its header row.
func (xw *xlsxWriter) open(sh *sheet, n int) (*part, error) {
	name := sh.name
	if n > 1 {
		name = fmt.Sprintf("%s (%d)", sh.name, n)
	}
	var err error
	if xw.sheets == 0 {
		err = xw.f.SetSheetName(xw.f.GetSheetName(0), name)
	} else {
		_, err = xw.f.NewSheet(name)
	}
	if err != nil {
		return nil, fmt.Errorf("fsma: xlsx sheet %s: %w", name, err)
	}
	xw.sheets++
	sw, err := xw.f.NewStreamWriter(name)
	if err != nil {
		return nil, fmt.Errorf("fsma: xlsx sheet %s: %w", name, err)
	}
	for i, c := range sh.cols {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return nil, fmt.Errorf("fsma: xlsx sheet %s: %w", name, err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, fmt.Errorf("fsma: xlsx sheet %s: %w", name, err)
	}
	header := make([]any, len(sh.cols))
	for i, c := range sh.cols {
		header[i] = excelize.Cell{StyleID: xw.header, Value: c.Name}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return nil, fmt.Errorf("fsma: xlsx sheet %s: %w", name, err)
	}
	return &part{sw: sw, name: name, rows: 1}, nil
}

// close makes a sheet with rows a table, so it can be sorted and filtered, and ends it.
func (xw *xlsxWriter) close(sh *sheet, p *part, n int) error {
	if p.rows > 1 {
		table := strings.ReplaceAll(sh.name, " ", "")
		if n > 1 {
			table = fmt.Sprintf("%s%d", table, n)
		}
		ref := cellName(1, 1) + ":" + cellName(len(sh.cols), p.rows)
		if err := p.sw.AddTable(&excelize.Table{Range: ref, Name: table, StyleName: "TableStyleLight9"}); err != nil {
			return fmt.Errorf("fsma: xlsx table %s: %w", p.name, err)
		}
	}
	if err := p.sw.Flush(); err != nil {
		return fmt.Errorf("fsma: xlsx sheet %s: %w", p.name, err)
	}
	return nil
}

func cellName(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col, row)
	return name
}
