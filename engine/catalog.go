package engine

import (
	"context"

	"volmatch"
)

// Catalogue records in search (issue 16): talent pools, stations, and
// every kind volmatch.CatalogKinds lists are indexed as volmatch.CatalogDoc
// by the follower and found by Search beside needs and volunteers. Each
// kind has one row in catalogSources: how to read one record's document
// and how to walk them all. A kind added to volmatch.CatalogKinds needs a
// row here, and a change of that kind in the store's feed.

// CatalogSource reads catalogue records as search documents.
type CatalogSource interface {
	// CatalogDoc returns the document of record kind/id; ENOTFOUND when it
	// was deleted.
	CatalogDoc(ctx context.Context, kind volmatch.ChangeKind, id string) (volmatch.CatalogDoc, error)
	// EachCatalogDoc calls fn with the document of every catalogue record.
	EachCatalogDoc(ctx context.Context, fn func(volmatch.CatalogDoc) error) error
}

// catalogKind reads the records of one catalogue kind from a store.
type catalogKind struct {
	one  func(ctx context.Context, st volmatch.Store, id string) (volmatch.CatalogDoc, error)
	list func(ctx context.Context, st volmatch.Store, o volmatch.ListOptions) ([]volmatch.CatalogDoc, string, error)
}

// catalogSources has a row per catalogue kind.
var catalogSources = map[volmatch.ChangeKind]catalogKind{
	volmatch.ChangePool:    catalogOf((volmatch.Store).Pool, (volmatch.Store).Pools),
	volmatch.ChangeStation: catalogOf((volmatch.Store).Station, (volmatch.Store).Stations),
	volmatch.ChangeTeam:    teamCatalog, // team.go
	volmatch.ChangeCourse: catalogOf((volmatch.Store).Course, func(st volmatch.Store, ctx context.Context, o volmatch.ListOptions) ([]*volmatch.Course, string, error) {
		return st.Courses(ctx, volmatch.CourseFilter{ListOptions: o})
	}),
	volmatch.ChangeProject: projectCatalog, // project.go
}

// catalogOf builds a catalogKind from a store's read and list methods of a
// record type that describes itself as a CatalogDoc.
func catalogOf[T any, P interface {
	*T
	CatalogDoc() volmatch.CatalogDoc
}](
	one func(volmatch.Store, context.Context, string) (P, error),
	list func(volmatch.Store, context.Context, volmatch.ListOptions) ([]P, string, error),
) catalogKind {
	return catalogKind{
		one: func(ctx context.Context, st volmatch.Store, id string) (volmatch.CatalogDoc, error) {
			r, err := one(st, ctx, id)
			if err != nil {
				return volmatch.CatalogDoc{}, err
			}
			return r.CatalogDoc(), nil
		},
		list: func(ctx context.Context, st volmatch.Store, o volmatch.ListOptions) ([]volmatch.CatalogDoc, string, error) {
			rs, next, err := list(st, ctx, o)
			if err != nil {
				return nil, "", err
			}
			docs := make([]volmatch.CatalogDoc, len(rs))
			for i, r := range rs {
				docs[i] = r.CatalogDoc()
			}
			return docs, next, nil
		},
	}
}

// StoreCatalog returns the catalogue of st: what a Follower indexes and
// Search loads.
func StoreCatalog(st volmatch.Store) CatalogSource { return storeCatalog{st} }

type storeCatalog struct{ st volmatch.Store }

// CatalogDoc implements CatalogSource.
func (c storeCatalog) CatalogDoc(ctx context.Context, kind volmatch.ChangeKind, id string) (volmatch.CatalogDoc, error) {
	k, ok := catalogSources[kind]
	if !ok {
		return volmatch.CatalogDoc{}, volmatch.NotFoundError(string(kind), id)
	}
	return k.one(ctx, c.st, id)
}

// EachCatalogDoc implements CatalogSource: kind by kind in
// volmatch.CatalogKinds order, each in its list's order.
func (c storeCatalog) EachCatalogDoc(ctx context.Context, fn func(volmatch.CatalogDoc) error) error {
	for _, kind := range volmatch.CatalogKinds() {
		k, ok := catalogSources[kind]
		if !ok {
			continue
		}
		o := volmatch.ListOptions{Limit: 1000}
		for {
			docs, next, err := k.list(ctx, c.st, o)
			if err != nil {
				return err
			}
			for _, d := range docs {
				if err := fn(d); err != nil {
					return err
				}
			}
			if next == "" {
				break
			}
			o.After = next
		}
	}
	return nil
}

// canSeeCatalog reports whether tok may find d: a restricted record only
// its organisation's staff and admins.
func canSeeCatalog(tok *volmatch.Token, d volmatch.CatalogDoc) bool {
	if !d.Restricted || tok.Role == volmatch.RoleAdmin {
		return true
	}
	return tok.Role == volmatch.RoleSocialWorker && tok.Org == d.Org
}
